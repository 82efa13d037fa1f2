namespace ManagedBpf.Loader.Btf;

/// <summary><see cref="BtfKind.FLOAT"/>: a floating-point type of <see cref="Size"/> bytes (kernel 5.13+).</summary>
/// <param name="nameOff"><c>name_off</c>.</param>
/// <param name="size"><c>size</c>: 2, 4, 8, 12 or 16.</param>
/// <param name="kindFlag">The kind flag as encoded.</param>
public sealed class BtfFloat(uint nameOff, uint size, bool kindFlag = false) : BtfType(nameOff, kindFlag)
{
    /// <inheritdoc/>
    public override BtfKind Kind => BtfKind.FLOAT;

    /// <summary><c>size</c>, in bytes.</summary>
    public uint Size { get; } = size;
}
