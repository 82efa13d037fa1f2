using System.Collections.Immutable;

namespace ManagedBpf.Loader.Btf;

/// <summary>
/// A <c>.BTF.ext</c> CO-RE relocation record, <c>struct bpf_core_relo</c>, with its access string parsed:
/// <c>"0:1:2"</c> is the first element of the root pointer, its member 1, that member's member (or element) 2.
/// </summary>
public readonly struct BpfCoreRelo
{
    /// <summary>Creates a record.</summary>
    /// <param name="insnOff"><c>insn_off</c>, a byte offset in the ELF section.</param>
    /// <param name="typeId"><c>type_id</c>: the root type in the object's <c>.BTF</c>.</param>
    /// <param name="accessStrOff"><c>access_str_off</c>.</param>
    /// <param name="kind"><c>kind</c>.</param>
    /// <param name="accessString">The access string at <paramref name="accessStrOff"/>.</param>
    /// <param name="accessors">The access string's numbers.</param>
    public BpfCoreRelo(uint insnOff, uint typeId, uint accessStrOff, BpfCoreReloKind kind, string accessString, ImmutableArray<int> accessors)
    {
        InsnOff = insnOff;
        TypeId = typeId;
        AccessStrOff = accessStrOff;
        Kind = kind;
        AccessString = accessString;
        Accessors = accessors.IsDefault ? [] : accessors;
    }

    /// <summary><c>insn_off</c>: a byte offset in the ELF section.</summary>
    public uint InsnOff { get; }

    /// <summary>The instruction index, <see cref="InsnOff"/> / 8.</summary>
    public uint InsnIndex => InsnOff / 8;

    /// <summary><c>type_id</c>: the root type in the object's <c>.BTF</c>.</summary>
    public uint TypeId { get; }

    /// <summary><c>access_str_off</c>: the access string's offset in <c>.BTF</c>'s strings.</summary>
    public uint AccessStrOff { get; }

    /// <summary><c>kind</c>. Values above <see cref="BpfCoreReloKind.TYPE_MATCHES"/> are kept as read for the relocator to reject.</summary>
    public BpfCoreReloKind Kind { get; }

    /// <summary>The access string, such as <c>"0:1:2"</c>.</summary>
    public string AccessString { get; }

    /// <summary>The access string's numbers: a member or array index per step; for enum value relocations, the enumerator index.</summary>
    public ImmutableArray<int> Accessors { get; }

    /// <inheritdoc/>
    public override string ToString() => $"insn_off={InsnOff} type_id={TypeId} {Kind} \"{AccessString}\"";
}
