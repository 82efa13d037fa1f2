namespace ManagedBpf.Loader.Btf;

/// <summary>A BTF type's kind, bits 24-28 of <c>btf_type.info</c>. Members are the <c>BTF_KIND_*</c> constants of <c>linux/btf.h</c> without their prefix.</summary>
public enum BtfKind : byte
{
    /// <summary><c>BTF_KIND_UNKN</c>: only type id 0, <c>void</c>.</summary>
    UNKN = 0,

    /// <summary><c>BTF_KIND_INT</c>: integer, followed by a u32 with encoding, bit offset and bit count.</summary>
    INT = 1,

    /// <summary><c>BTF_KIND_PTR</c>: pointer.</summary>
    PTR = 2,

    /// <summary><c>BTF_KIND_ARRAY</c>: array, followed by <c>btf_array</c>.</summary>
    ARRAY = 3,

    /// <summary><c>BTF_KIND_STRUCT</c>: struct, followed by vlen <c>btf_member</c>s.</summary>
    STRUCT = 4,

    /// <summary><c>BTF_KIND_UNION</c>: union, followed by vlen <c>btf_member</c>s.</summary>
    UNION = 5,

    /// <summary><c>BTF_KIND_ENUM</c>: enumeration with 32-bit values, followed by vlen <c>btf_enum</c>s.</summary>
    ENUM = 6,

    /// <summary><c>BTF_KIND_FWD</c>: forward declaration of a struct or union.</summary>
    FWD = 7,

    /// <summary><c>BTF_KIND_TYPEDEF</c>: typedef.</summary>
    TYPEDEF = 8,

    /// <summary><c>BTF_KIND_VOLATILE</c>: volatile modifier.</summary>
    VOLATILE = 9,

    /// <summary><c>BTF_KIND_CONST</c>: const modifier.</summary>
    CONST = 10,

    /// <summary><c>BTF_KIND_RESTRICT</c>: restrict modifier.</summary>
    RESTRICT = 11,

    /// <summary><c>BTF_KIND_FUNC</c>: function; vlen holds its linkage.</summary>
    FUNC = 12,

    /// <summary><c>BTF_KIND_FUNC_PROTO</c>: function prototype, followed by vlen <c>btf_param</c>s.</summary>
    FUNC_PROTO = 13,

    /// <summary><c>BTF_KIND_VAR</c>: variable, followed by <c>btf_var</c>.</summary>
    VAR = 14,

    /// <summary><c>BTF_KIND_DATASEC</c>: data section, followed by vlen <c>btf_var_secinfo</c>s.</summary>
    DATASEC = 15,

    /// <summary><c>BTF_KIND_FLOAT</c>: floating point.</summary>
    FLOAT = 16,

    /// <summary><c>BTF_KIND_DECL_TAG</c>: declaration tag, followed by <c>btf_decl_tag</c>.</summary>
    DECL_TAG = 17,

    /// <summary><c>BTF_KIND_TYPE_TAG</c>: type tag.</summary>
    TYPE_TAG = 18,

    /// <summary><c>BTF_KIND_ENUM64</c>: enumeration with 64-bit values, followed by vlen <c>btf_enum64</c>s.</summary>
    ENUM64 = 19,
}
