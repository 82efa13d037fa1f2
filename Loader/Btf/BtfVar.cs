namespace ManagedBpf.Loader.Btf;

/// <summary><see cref="BtfKind.VAR"/>: a global variable, followed on the wire by <c>struct btf_var</c>.</summary>
/// <param name="nameOff"><c>name_off</c>.</param>
/// <param name="typeId"><c>type</c>: the variable's type.</param>
/// <param name="linkage"><c>btf_var.linkage</c>.</param>
/// <param name="kindFlag">The kind flag as encoded.</param>
public sealed class BtfVar(uint nameOff, uint typeId, BtfVarLinkage linkage, bool kindFlag = false) : BtfType(nameOff, kindFlag)
{
    /// <inheritdoc/>
    public override BtfKind Kind => BtfKind.VAR;

    /// <summary><c>type</c>.</summary>
    public uint TypeId { get; } = typeId;

    /// <summary><c>btf_var.linkage</c>.</summary>
    public BtfVarLinkage Linkage { get; } = linkage;
}
