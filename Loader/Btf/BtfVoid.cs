namespace ManagedBpf.Loader.Btf;

/// <summary>Type id 0: <c>void</c>. It is implied, never encoded.</summary>
public sealed class BtfVoid : BtfType
{
    private BtfVoid()
        : base(0, false)
    {
    }

    /// <summary>The one instance.</summary>
    public static BtfVoid Instance { get; } = new();

    /// <inheritdoc/>
    public override BtfKind Kind => BtfKind.UNKN;
}
