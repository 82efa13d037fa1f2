using System.Collections.Immutable;

namespace ManagedBpf.Loader.Btf;

/// <summary>A variable's placement in a <see cref="BtfDatasec"/>, <c>struct btf_var_secinfo</c>.</summary>
/// <param name="TypeId"><c>type</c>: a <see cref="BtfKind.VAR"/> (or, in <c>.maps</c>-like sections, any type).</param>
/// <param name="Offset"><c>offset</c> in the section, in bytes.</param>
/// <param name="Size"><c>size</c>, in bytes.</param>
public readonly record struct BtfVarSecinfo(uint TypeId, uint Offset, uint Size);

/// <summary><see cref="BtfKind.DATASEC"/>: an ELF data section (<c>.data</c>, <c>.bss</c>, <c>.rodata</c>, <c>.maps</c>, <c>.kconfig</c>, ...) and the variables in it.</summary>
public sealed class BtfDatasec : BtfType
{
    /// <summary>Creates a data section type.</summary>
    /// <param name="nameOff"><c>name_off</c>: the ELF section name.</param>
    /// <param name="size"><c>size</c>: the section size (clang writes 0; loaders fill it from the ELF section).</param>
    /// <param name="vars">The variables.</param>
    /// <param name="kindFlag">The kind flag as encoded.</param>
    public BtfDatasec(uint nameOff, uint size, ImmutableArray<BtfVarSecinfo> vars, bool kindFlag = false)
        : base(nameOff, kindFlag)
    {
        Size = size;
        Vars = vars.IsDefault ? [] : vars;
    }

    /// <inheritdoc/>
    public override BtfKind Kind => BtfKind.DATASEC;

    /// <summary><c>size</c>, in bytes.</summary>
    public uint Size { get; }

    /// <summary>The variables (vlen of them).</summary>
    public ImmutableArray<BtfVarSecinfo> Vars { get; }
}
