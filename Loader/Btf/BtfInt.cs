namespace ManagedBpf.Loader.Btf;

/// <summary><see cref="BtfKind.INT"/>: an integer of <see cref="Size"/> bytes whose value occupies <see cref="Bits"/> bits from bit <see cref="Offset"/>.</summary>
public sealed class BtfInt : BtfType
{
    /// <summary>Creates an integer type.</summary>
    /// <param name="nameOff"><c>name_off</c>.</param>
    /// <param name="size">Size in bytes.</param>
    /// <param name="encoding"><c>BTF_INT_ENCODING</c>.</param>
    /// <param name="offset"><c>BTF_INT_OFFSET</c>, in bits.</param>
    /// <param name="bits"><c>BTF_INT_BITS</c>.</param>
    /// <param name="kindFlag">The kind flag as encoded (the kernel wants it clear).</param>
    public BtfInt(uint nameOff, uint size, BtfIntEncoding encoding, byte offset, byte bits, bool kindFlag = false)
        : base(nameOff, kindFlag)
    {
        Size = size;
        Encoding = encoding;
        Offset = offset;
        Bits = bits;
    }

    /// <inheritdoc/>
    public override BtfKind Kind => BtfKind.INT;

    /// <summary><c>size</c>, in bytes.</summary>
    public uint Size { get; }

    /// <summary><c>BTF_INT_ENCODING</c>.</summary>
    public BtfIntEncoding Encoding { get; }

    /// <summary><c>BTF_INT_OFFSET</c>: the value's bit offset inside the integer.</summary>
    public byte Offset { get; }

    /// <summary><c>BTF_INT_BITS</c>: the number of value bits.</summary>
    public byte Bits { get; }

    /// <summary>True when <see cref="BtfIntEncoding.SIGNED"/> is set.</summary>
    public bool IsSigned => (Encoding & BtfIntEncoding.SIGNED) != 0;
}
