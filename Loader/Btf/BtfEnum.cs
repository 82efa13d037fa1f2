using System.Collections.Immutable;

namespace ManagedBpf.Loader.Btf;

/// <summary>An enumerator of a <see cref="BtfEnum"/>, <c>struct btf_enum</c>.</summary>
/// <param name="NameOff"><c>name_off</c>.</param>
/// <param name="Val"><c>val</c>, a 32-bit pattern: signed or unsigned according to the enum's kind flag.</param>
public readonly record struct BtfEnumValue(uint NameOff, int Val);

/// <summary><see cref="BtfKind.ENUM"/>: an enumeration with 32-bit values; the kind flag says they are signed.</summary>
public sealed class BtfEnum : BtfType
{
    /// <summary>Creates an enumeration.</summary>
    /// <param name="nameOff"><c>name_off</c>, 0 when anonymous.</param>
    /// <param name="size">Size in bytes (1, 2, 4 or 8).</param>
    /// <param name="values">The enumerators.</param>
    /// <param name="isSigned">The kind flag: values are signed.</param>
    public BtfEnum(uint nameOff, uint size, ImmutableArray<BtfEnumValue> values, bool isSigned = false)
        : base(nameOff, isSigned)
    {
        Size = size;
        Values = values.IsDefault ? [] : values;
    }

    /// <inheritdoc/>
    public override BtfKind Kind => BtfKind.ENUM;

    /// <summary><c>size</c>, in bytes.</summary>
    public uint Size { get; }

    /// <summary>The enumerators (vlen of them).</summary>
    public ImmutableArray<BtfEnumValue> Values { get; }

    /// <summary>The kind flag: values are signed.</summary>
    public bool IsSigned => KindFlag;

    /// <summary>An enumerator's value widened to 64 bits by the enum's signedness.</summary>
    /// <param name="value">One of <see cref="Values"/>.</param>
    /// <returns>The value, sign- or zero-extended.</returns>
    public long ValueOf(BtfEnumValue value) => IsSigned ? value.Val : (uint)value.Val;
}
