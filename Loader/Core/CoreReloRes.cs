namespace ManagedBpf.Loader.Core;

/// <summary>
/// What one relocation resolves to, libbpf's <c>struct bpf_core_relo_res</c>: the value the local BTF predicts the
/// instruction holds, the value to write, and how to patch.
/// </summary>
internal sealed class CoreReloRes
{
    /// <summary><c>orig_val</c>: the value computed from the local BTF, which the instruction must hold when <see cref="Validate"/>.</summary>
    public ulong OrigVal { get; set; }

    /// <summary><c>new_val</c>: the value computed from the target.</summary>
    public ulong NewVal { get; set; }

    /// <summary><c>poison</c>: nothing in the target satisfies the relocation; the instruction becomes an invalid call.</summary>
    public bool Poison { get; set; }

    /// <summary><c>validate</c>: whether the instruction must hold <see cref="OrigVal"/> (off for bitfields and type ids, whose local values are not the compiler's).</summary>
    public bool Validate { get; set; } = true;

    /// <summary><c>fail_memsz_adjust</c>: the field's size changed in a way a load or store cannot follow (not a pointer, not unsigned).</summary>
    public bool FailMemSizeAdjust { get; set; }

    /// <summary><c>orig_sz</c>: the local field's size, for FIELD_BYTE_OFFSET of a non-bitfield; else 0.</summary>
    public uint OrigSize { get; set; }

    /// <summary><c>new_sz</c>: the target field's size, likewise.</summary>
    public uint NewSize { get; set; }

    /// <summary><c>orig_type_id</c>: the local field's type, when <see cref="OrigSize"/> is set.</summary>
    public uint OrigTypeId { get; set; }

    /// <summary><c>new_type_id</c>: the target field's type, when <see cref="NewSize"/> is set.</summary>
    public uint NewTypeId { get; set; }

    /// <summary>Why the instruction is poisoned, for the result; null when it is not.</summary>
    public string? PoisonReason { get; set; }
}
