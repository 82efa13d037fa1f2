namespace ManagedBpf.Loader.Btf;

/// <summary>
/// A struct or union member, <c>struct btf_member</c>. The encoded <c>offset</c> is split by the parent's kind flag:
/// with it set, the top 8 bits are the bitfield size and the low 24 the bit offset; without it, all 32 bits are the bit offset.
/// </summary>
public readonly struct BtfMember
{
    /// <summary>Creates a member.</summary>
    /// <param name="nameOff"><c>name_off</c>, 0 for anonymous members.</param>
    /// <param name="typeId"><c>type</c>.</param>
    /// <param name="bitOffset">Offset of the member from the start of the struct, in bits.</param>
    /// <param name="bitfieldSize">Bitfield width in bits, 0 for a plain member (needs the parent's kind flag when non-zero).</param>
    public BtfMember(uint nameOff, uint typeId, uint bitOffset, byte bitfieldSize = 0)
    {
        NameOff = nameOff;
        TypeId = typeId;
        BitOffset = bitOffset;
        BitfieldSize = bitfieldSize;
    }

    /// <summary><c>name_off</c>.</summary>
    public uint NameOff { get; }

    /// <summary><c>type</c>.</summary>
    public uint TypeId { get; }

    /// <summary>Offset in bits (<c>BTF_MEMBER_BIT_OFFSET</c> under a kind flag, else the whole <c>offset</c>).</summary>
    public uint BitOffset { get; }

    /// <summary>Bitfield width (<c>BTF_MEMBER_BITFIELD_SIZE</c>), 0 when the member is not a bitfield or the parent has no kind flag.</summary>
    public byte BitfieldSize { get; }

    /// <inheritdoc/>
    public override string ToString() => $"name_off={NameOff} type={TypeId} bit_offset={BitOffset} bitfield_size={BitfieldSize}";
}
