namespace ManagedBpf.Loader.Btf;

/// <summary>A <c>.BTF.ext</c> func_info record, <c>struct bpf_func_info</c>: the function starting at an instruction.</summary>
/// <param name="InsnOff"><c>insn_off</c>: in <c>.BTF.ext</c>, a byte offset in the ELF section (the kernel wants instruction indices).</param>
/// <param name="TypeId"><c>type_id</c>: the <see cref="BtfKind.FUNC"/> in the object's <c>.BTF</c>.</param>
public readonly record struct BpfFuncInfo(uint InsnOff, uint TypeId)
{
    /// <summary>The instruction index, <see cref="InsnOff"/> / 8.</summary>
    public uint InsnIndex => InsnOff / 8;
}
