namespace ManagedBpf.Loader.Btf;

/// <summary>
/// <see cref="BtfKind.DECL_TAG"/>: <c>__attribute__((btf_decl_tag("name")))</c> on <see cref="TypeId"/> (kernel 5.16+).
/// <see cref="ComponentIdx"/> is -1 for the declaration itself, else the member or parameter index it tags.
/// </summary>
/// <param name="nameOff"><c>name_off</c>: the tag text.</param>
/// <param name="typeId"><c>type</c>: the tagged struct, union, variable, function or typedef.</param>
/// <param name="componentIdx"><c>btf_decl_tag.component_idx</c>.</param>
/// <param name="kindFlag">The kind flag as encoded (set for attribute tags on newer kernels).</param>
public sealed class BtfDeclTag(uint nameOff, uint typeId, int componentIdx, bool kindFlag = false) : BtfType(nameOff, kindFlag)
{
    /// <inheritdoc/>
    public override BtfKind Kind => BtfKind.DECL_TAG;

    /// <summary><c>type</c>.</summary>
    public uint TypeId { get; } = typeId;

    /// <summary><c>btf_decl_tag.component_idx</c>: -1, or the member or parameter index.</summary>
    public int ComponentIdx { get; } = componentIdx;
}
