using System.Collections.Immutable;

namespace ManagedBpf.Loader.Btf;

/// <summary>A struct or union (libbpf's <c>btf_is_composite</c>): a size and members.</summary>
public abstract class BtfComposite : BtfType
{
    private protected BtfComposite(uint nameOff, uint size, ImmutableArray<BtfMember> members, bool kindFlag)
        : base(nameOff, kindFlag)
    {
        Size = size;
        Members = members.IsDefault ? [] : members;
    }

    /// <summary><c>size</c>, in bytes.</summary>
    public uint Size { get; }

    /// <summary>The members, in declaration order (vlen of them).</summary>
    public ImmutableArray<BtfMember> Members { get; }

    /// <summary>True when the kind flag is set, so members may be bitfields.</summary>
    public bool HasBitfieldMembers => KindFlag;
}

/// <summary><see cref="BtfKind.STRUCT"/>.</summary>
/// <param name="nameOff"><c>name_off</c>, 0 when anonymous.</param>
/// <param name="size">Size in bytes.</param>
/// <param name="members">The members.</param>
/// <param name="kindFlag">Whether member offsets carry bitfield sizes.</param>
public sealed class BtfStruct(uint nameOff, uint size, ImmutableArray<BtfMember> members, bool kindFlag = false)
    : BtfComposite(nameOff, size, members, kindFlag)
{
    /// <inheritdoc/>
    public override BtfKind Kind => BtfKind.STRUCT;
}

/// <summary><see cref="BtfKind.UNION"/>.</summary>
/// <param name="nameOff"><c>name_off</c>, 0 when anonymous.</param>
/// <param name="size">Size in bytes.</param>
/// <param name="members">The members.</param>
/// <param name="kindFlag">Whether member offsets carry bitfield sizes.</param>
public sealed class BtfUnion(uint nameOff, uint size, ImmutableArray<BtfMember> members, bool kindFlag = false)
    : BtfComposite(nameOff, size, members, kindFlag)
{
    /// <inheritdoc/>
    public override BtfKind Kind => BtfKind.UNION;
}
