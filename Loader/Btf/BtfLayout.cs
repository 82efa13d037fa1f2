namespace ManagedBpf.Loader.Btf;

/// <summary>Sizes and bit fields of the BTF wire format (<c>linux/btf.h</c>).</summary>
internal static class BtfLayout
{
    /// <summary><c>sizeof(struct btf_type)</c>: name_off, info, size/type.</summary>
    public const int TypeSize = 12;

    public const int MemberSize = 12;   // btf_member
    public const int EnumSize = 8;      // btf_enum
    public const int Enum64Size = 12;   // btf_enum64
    public const int ArraySize = 12;    // btf_array
    public const int ParamSize = 8;     // btf_param
    public const int VarSecinfoSize = 12; // btf_var_secinfo

    /// <summary>libbpf's <c>MAX_RESOLVE_DEPTH</c>: longest modifier/typedef/array chain followed before giving up.</summary>
    public const int MaxResolveDepth = 32;

    public static BtfKind Kind(uint info) => (BtfKind)((info >> 24) & 0x1f);

    public static ushort Vlen(uint info) => (ushort)info;

    public static bool KindFlag(uint info) => (info >> 31) != 0;

    public static uint Info(BtfKind kind, int vlen, bool kindFlag) =>
        ((uint)kind << 24) | (uint)(ushort)vlen | (kindFlag ? 1u << 31 : 0);

    /// <summary>
    /// Bytes that follow <c>struct btf_type</c> for <paramref name="kind"/> with <paramref name="vlen"/> entries,
    /// or -1 for a kind this reader does not know (its size is unknowable, so nothing after it can be read).
    /// </summary>
    public static int TrailerSize(BtfKind kind, ushort vlen) => kind switch
    {
        BtfKind.PTR or BtfKind.FWD or BtfKind.TYPEDEF or BtfKind.VOLATILE or BtfKind.CONST or BtfKind.RESTRICT
            or BtfKind.FUNC or BtfKind.FLOAT or BtfKind.TYPE_TAG => 0,
        BtfKind.INT or BtfKind.VAR or BtfKind.DECL_TAG => 4,
        BtfKind.ARRAY => ArraySize,
        BtfKind.STRUCT or BtfKind.UNION => vlen * MemberSize,
        BtfKind.ENUM => vlen * EnumSize,
        BtfKind.ENUM64 => vlen * Enum64Size,
        BtfKind.FUNC_PROTO => vlen * ParamSize,
        BtfKind.DATASEC => vlen * VarSecinfoSize,
        _ => -1,
    };
}
