namespace ManagedBpf.Loader.Btf;

/// <summary><see cref="BtfKind.FUNC"/>: a function named <see cref="BtfType.NameOff"/> with prototype <see cref="TypeId"/>; the vlen field holds the linkage.</summary>
/// <param name="nameOff"><c>name_off</c>.</param>
/// <param name="typeId"><c>type</c>: a <see cref="BtfKind.FUNC_PROTO"/>.</param>
/// <param name="linkage">The linkage, encoded in vlen.</param>
/// <param name="kindFlag">The kind flag as encoded.</param>
public sealed class BtfFunc(uint nameOff, uint typeId, BtfFuncLinkage linkage, bool kindFlag = false) : BtfType(nameOff, kindFlag)
{
    /// <inheritdoc/>
    public override BtfKind Kind => BtfKind.FUNC;

    /// <summary><c>type</c>: the prototype's type id.</summary>
    public uint TypeId { get; } = typeId;

    /// <summary>The linkage (<c>btf_vlen</c> of the type).</summary>
    public BtfFuncLinkage Linkage { get; } = linkage;
}
