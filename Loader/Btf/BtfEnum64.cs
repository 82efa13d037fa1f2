using System.Collections.Immutable;

namespace ManagedBpf.Loader.Btf;

/// <summary>An enumerator of a <see cref="BtfEnum64"/>, <c>struct btf_enum64</c> with <c>val_hi32:val_lo32</c> joined.</summary>
/// <param name="NameOff"><c>name_off</c>.</param>
/// <param name="Val">The 64-bit value pattern: signed or unsigned according to the enum's kind flag.</param>
public readonly record struct BtfEnum64Value(uint NameOff, ulong Val);

/// <summary><see cref="BtfKind.ENUM64"/>: an enumeration with 64-bit values (kernel 6.0+); the kind flag says they are signed.</summary>
public sealed class BtfEnum64 : BtfType
{
    /// <summary>Creates a 64-bit enumeration.</summary>
    /// <param name="nameOff"><c>name_off</c>, 0 when anonymous.</param>
    /// <param name="size">Size in bytes.</param>
    /// <param name="values">The enumerators.</param>
    /// <param name="isSigned">The kind flag: values are signed.</param>
    public BtfEnum64(uint nameOff, uint size, ImmutableArray<BtfEnum64Value> values, bool isSigned = false)
        : base(nameOff, isSigned)
    {
        Size = size;
        Values = values.IsDefault ? [] : values;
    }

    /// <inheritdoc/>
    public override BtfKind Kind => BtfKind.ENUM64;

    /// <summary><c>size</c>, in bytes.</summary>
    public uint Size { get; }

    /// <summary>The enumerators (vlen of them).</summary>
    public ImmutableArray<BtfEnum64Value> Values { get; }

    /// <summary>The kind flag: values are signed.</summary>
    public bool IsSigned => KindFlag;
}
