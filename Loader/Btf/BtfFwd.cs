namespace ManagedBpf.Loader.Btf;

/// <summary><see cref="BtfKind.FWD"/>: a forward declaration; the kind flag says it is a union rather than a struct.</summary>
/// <param name="nameOff"><c>name_off</c>.</param>
/// <param name="isUnion">The kind flag.</param>
public sealed class BtfFwd(uint nameOff, bool isUnion = false) : BtfType(nameOff, isUnion)
{
    /// <inheritdoc/>
    public override BtfKind Kind => BtfKind.FWD;

    /// <summary>The kind flag: a forward-declared union.</summary>
    public bool IsUnion => KindFlag;
}
