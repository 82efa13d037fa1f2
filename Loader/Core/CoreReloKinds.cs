using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader.Core;

/// <summary>How each <see cref="BpfCoreReloKind"/> is resolved, and the short names libbpf logs them with.</summary>
internal static class CoreReloKinds
{
    /// <summary>libbpf's <c>core_relo_is_field_based</c>: the access string walks members and array elements.</summary>
    public static bool IsFieldBased(BpfCoreReloKind kind) => kind <= BpfCoreReloKind.FIELD_RSHIFT_U64;

    /// <summary>libbpf's <c>core_relo_is_type_based</c>: the access string is "0" and only the root type matters.</summary>
    public static bool IsTypeBased(BpfCoreReloKind kind) => kind is BpfCoreReloKind.TYPE_ID_LOCAL or BpfCoreReloKind.TYPE_ID_TARGET
        or BpfCoreReloKind.TYPE_EXISTS or BpfCoreReloKind.TYPE_SIZE or BpfCoreReloKind.TYPE_MATCHES;

    /// <summary>libbpf's <c>core_relo_is_enumval_based</c>: the access string is one enumerator index.</summary>
    public static bool IsEnumValBased(BpfCoreReloKind kind) => kind is BpfCoreReloKind.ENUMVAL_EXISTS or BpfCoreReloKind.ENUMVAL_VALUE;

    /// <summary>Whether the kind is one this engine knows (values above <see cref="BpfCoreReloKind.TYPE_MATCHES"/> are not).</summary>
    public static bool IsKnown(BpfCoreReloKind kind) => kind <= BpfCoreReloKind.TYPE_MATCHES;

    /// <summary>libbpf's <c>core_relo_kind_str</c>, so logs read the same as libbpf's.</summary>
    public static string Name(BpfCoreReloKind kind) => kind switch
    {
        BpfCoreReloKind.FIELD_BYTE_OFFSET => "byte_off",
        BpfCoreReloKind.FIELD_BYTE_SIZE => "byte_sz",
        BpfCoreReloKind.FIELD_EXISTS => "field_exists",
        BpfCoreReloKind.FIELD_SIGNED => "signed",
        BpfCoreReloKind.FIELD_LSHIFT_U64 => "lshift_u64",
        BpfCoreReloKind.FIELD_RSHIFT_U64 => "rshift_u64",
        BpfCoreReloKind.TYPE_ID_LOCAL => "local_type_id",
        BpfCoreReloKind.TYPE_ID_TARGET => "target_type_id",
        BpfCoreReloKind.TYPE_EXISTS => "type_exists",
        BpfCoreReloKind.TYPE_MATCHES => "type_matches",
        BpfCoreReloKind.TYPE_SIZE => "type_size",
        BpfCoreReloKind.ENUMVAL_EXISTS => "enumval_exists",
        BpfCoreReloKind.ENUMVAL_VALUE => "enumval_value",
        _ => "unknown",
    };

    /// <summary>libbpf's <c>btf_kind_str</c>: <c>struct</c>, <c>enum64</c>, <c>func_proto</c>, <c>void</c>.</summary>
    public static string KindName(BtfKind kind) => kind switch
    {
        BtfKind.UNKN => "void",
        BtfKind.INT => "int",
        BtfKind.PTR => "ptr",
        BtfKind.ARRAY => "array",
        BtfKind.STRUCT => "struct",
        BtfKind.UNION => "union",
        BtfKind.ENUM => "enum",
        BtfKind.FWD => "fwd",
        BtfKind.TYPEDEF => "typedef",
        BtfKind.VOLATILE => "volatile",
        BtfKind.CONST => "const",
        BtfKind.RESTRICT => "restrict",
        BtfKind.FUNC => "func",
        BtfKind.FUNC_PROTO => "func_proto",
        BtfKind.VAR => "var",
        BtfKind.DATASEC => "datasec",
        BtfKind.FLOAT => "float",
        BtfKind.DECL_TAG => "decl_tag",
        BtfKind.TYPE_TAG => "type_tag",
        BtfKind.ENUM64 => "enum64",
        _ => "unknown",
    };

    /// <summary><c>[13] struct task_struct</c>, <c>[5] enum &lt;anon&gt;</c>: a type as libbpf names it in logs.</summary>
    public static string DescribeType(BtfSpec btf, uint typeId)
    {
        if (typeId == 0)
        {
            return "[0] void";
        }

        var name = btf.NameOf(typeId);
        return FormattableString.Invariant($"[{typeId}] {KindName(btf.KindOf(typeId))} {(name.Length == 0 ? "<anon>" : name)}");
    }

    /// <summary>libbpf's <c>btf_kind_core_compat</c>: same kind, or both enums (ENUM and ENUM64 stand in for each other).</summary>
    public static bool KindsCompatible(BtfKind a, BtfKind b) => a == b || (IsAnyEnum(a) && IsAnyEnum(b));

    /// <summary>libbpf's <c>btf_is_any_enum</c>.</summary>
    public static bool IsAnyEnum(BtfKind kind) => kind is BtfKind.ENUM or BtfKind.ENUM64;

    /// <summary>
    /// The enumerator name offsets and size of an ENUM or ENUM64 (null for any other type): the view of "any enum"
    /// that libbpf's <c>btf_is_any_enum</c> callers need and that <see cref="BtfEnum"/> and <see cref="BtfEnum64"/> do not share.
    /// </summary>
    public static uint[]? EnumeratorNameOffsets(BtfType type, out uint size)
    {
        switch (type)
        {
            case BtfEnum e:
                size = e.Size;
                return [.. e.Values.Select(v => v.NameOff)];
            case BtfEnum64 e:
                size = e.Size;
                return [.. e.Values.Select(v => v.NameOff)];
            default:
                size = 0;
                return null;
        }
    }

    /// <summary>libbpf's <c>btf_is_composite</c>.</summary>
    public static bool IsComposite(BtfKind kind) => kind is BtfKind.STRUCT or BtfKind.UNION;
}
