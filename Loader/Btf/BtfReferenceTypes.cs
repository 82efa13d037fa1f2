namespace ManagedBpf.Loader.Btf;

/// <summary>
/// The kinds whose only data is the <c>type</c> they refer to: <see cref="BtfKind.PTR"/>, <see cref="BtfKind.TYPEDEF"/>,
/// the modifiers <see cref="BtfKind.VOLATILE"/>, <see cref="BtfKind.CONST"/>, <see cref="BtfKind.RESTRICT"/>, and <see cref="BtfKind.TYPE_TAG"/>.
/// </summary>
public abstract class BtfReferenceType : BtfType
{
    private protected BtfReferenceType(uint nameOff, uint typeId, bool kindFlag)
        : base(nameOff, kindFlag)
    {
        TypeId = typeId;
    }

    /// <summary><c>type</c>: the referenced type id.</summary>
    public uint TypeId { get; }

    /// <summary>
    /// True for the kinds libbpf calls modifiers (<c>btf_is_mod</c>): volatile, const, restrict and type tag. Resolution
    /// skips these, and typedefs too where a typedef is transparent (<see cref="BtfSpec.SkipModifiers"/>).
    /// </summary>
    public bool IsModifier => Kind is BtfKind.VOLATILE or BtfKind.CONST or BtfKind.RESTRICT or BtfKind.TYPE_TAG;
}

/// <summary><see cref="BtfKind.PTR"/>: a pointer to <see cref="BtfReferenceType.TypeId"/>.</summary>
/// <param name="typeId">The pointee type id.</param>
/// <param name="nameOff"><c>name_off</c> (pointers are anonymous; kept for round-tripping).</param>
/// <param name="kindFlag">The kind flag as encoded.</param>
public sealed class BtfPtr(uint typeId, uint nameOff = 0, bool kindFlag = false) : BtfReferenceType(nameOff, typeId, kindFlag)
{
    /// <inheritdoc/>
    public override BtfKind Kind => BtfKind.PTR;
}

/// <summary><see cref="BtfKind.TYPEDEF"/>: a named alias of <see cref="BtfReferenceType.TypeId"/>.</summary>
/// <param name="nameOff"><c>name_off</c>.</param>
/// <param name="typeId">The aliased type id.</param>
/// <param name="kindFlag">The kind flag as encoded.</param>
public sealed class BtfTypedef(uint nameOff, uint typeId, bool kindFlag = false) : BtfReferenceType(nameOff, typeId, kindFlag)
{
    /// <inheritdoc/>
    public override BtfKind Kind => BtfKind.TYPEDEF;
}

/// <summary><see cref="BtfKind.VOLATILE"/>: <c>volatile</c> <see cref="BtfReferenceType.TypeId"/>.</summary>
/// <param name="typeId">The qualified type id.</param>
/// <param name="nameOff"><c>name_off</c> (anonymous; kept for round-tripping).</param>
/// <param name="kindFlag">The kind flag as encoded.</param>
public sealed class BtfVolatile(uint typeId, uint nameOff = 0, bool kindFlag = false) : BtfReferenceType(nameOff, typeId, kindFlag)
{
    /// <inheritdoc/>
    public override BtfKind Kind => BtfKind.VOLATILE;
}

/// <summary><see cref="BtfKind.CONST"/>: <c>const</c> <see cref="BtfReferenceType.TypeId"/>.</summary>
/// <param name="typeId">The qualified type id.</param>
/// <param name="nameOff"><c>name_off</c> (anonymous; kept for round-tripping).</param>
/// <param name="kindFlag">The kind flag as encoded.</param>
public sealed class BtfConst(uint typeId, uint nameOff = 0, bool kindFlag = false) : BtfReferenceType(nameOff, typeId, kindFlag)
{
    /// <inheritdoc/>
    public override BtfKind Kind => BtfKind.CONST;
}

/// <summary><see cref="BtfKind.RESTRICT"/>: <c>restrict</c> <see cref="BtfReferenceType.TypeId"/>.</summary>
/// <param name="typeId">The qualified type id.</param>
/// <param name="nameOff"><c>name_off</c> (anonymous; kept for round-tripping).</param>
/// <param name="kindFlag">The kind flag as encoded.</param>
public sealed class BtfRestrict(uint typeId, uint nameOff = 0, bool kindFlag = false) : BtfReferenceType(nameOff, typeId, kindFlag)
{
    /// <inheritdoc/>
    public override BtfKind Kind => BtfKind.RESTRICT;
}

/// <summary><see cref="BtfKind.TYPE_TAG"/>: <c>__attribute__((btf_type_tag("name")))</c> on <see cref="BtfReferenceType.TypeId"/>, such as <c>__user</c> or <c>__rcu</c>.</summary>
/// <param name="nameOff"><c>name_off</c>: the tag text.</param>
/// <param name="typeId">The tagged type id.</param>
/// <param name="kindFlag">The kind flag as encoded (set for attribute tags on newer kernels).</param>
public sealed class BtfTypeTag(uint nameOff, uint typeId, bool kindFlag = false) : BtfReferenceType(nameOff, typeId, kindFlag)
{
    /// <inheritdoc/>
    public override BtfKind Kind => BtfKind.TYPE_TAG;
}
