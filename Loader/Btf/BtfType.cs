namespace ManagedBpf.Loader.Btf;

/// <summary>
/// One BTF type: the common <c>struct btf_type</c> fields plus the kind-specific data in each sealed subclass.
/// Types refer to other types by id and to names by offset into the string section, exactly as encoded, so a
/// (possibly rewritten) list of types re-encodes with <see cref="BtfWriter"/> against the same strings.
/// </summary>
public abstract class BtfType
{
    private protected BtfType(uint nameOff, bool kindFlag)
    {
        NameOff = nameOff;
        KindFlag = kindFlag;
    }

    /// <summary>The kind, <c>BTF_INFO_KIND(info)</c>.</summary>
    public abstract BtfKind Kind { get; }

    /// <summary><c>name_off</c>: offset of the name in the string section, 0 for anonymous types.</summary>
    public uint NameOff { get; }

    /// <summary><c>BTF_INFO_KFLAG(info)</c>: bitfield encoding for structs and unions, signedness for enums, union-ness for forwards.</summary>
    public bool KindFlag { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Kind} name_off={NameOff}";
}
