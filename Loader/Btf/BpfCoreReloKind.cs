namespace ManagedBpf.Loader.Btf;

/// <summary>
/// What a CO-RE relocation computes, <c>enum bpf_core_relo_kind</c> (<c>linux/bpf.h</c>). Members are the
/// <c>BPF_CORE_*</c> constants without their prefix, as libbpf names them.
/// </summary>
public enum BpfCoreReloKind : uint
{
    /// <summary><c>BPF_CORE_FIELD_BYTE_OFFSET</c>: field byte offset.</summary>
    FIELD_BYTE_OFFSET = 0,

    /// <summary><c>BPF_CORE_FIELD_BYTE_SIZE</c>: field size in bytes.</summary>
    FIELD_BYTE_SIZE = 1,

    /// <summary><c>BPF_CORE_FIELD_EXISTS</c>: field existence in the target kernel.</summary>
    FIELD_EXISTS = 2,

    /// <summary><c>BPF_CORE_FIELD_SIGNED</c>: field signedness (0 unsigned, 1 signed).</summary>
    FIELD_SIGNED = 3,

    /// <summary><c>BPF_CORE_FIELD_LSHIFT_U64</c>: bitfield-specific left bitshift.</summary>
    FIELD_LSHIFT_U64 = 4,

    /// <summary><c>BPF_CORE_FIELD_RSHIFT_U64</c>: bitfield-specific right bitshift.</summary>
    FIELD_RSHIFT_U64 = 5,

    /// <summary><c>BPF_CORE_TYPE_ID_LOCAL</c>: type id in the local BPF object.</summary>
    TYPE_ID_LOCAL = 6,

    /// <summary><c>BPF_CORE_TYPE_ID_TARGET</c>: type id in the target kernel.</summary>
    TYPE_ID_TARGET = 7,

    /// <summary><c>BPF_CORE_TYPE_EXISTS</c>: type existence in the target kernel.</summary>
    TYPE_EXISTS = 8,

    /// <summary><c>BPF_CORE_TYPE_SIZE</c>: type size in bytes.</summary>
    TYPE_SIZE = 9,

    /// <summary><c>BPF_CORE_ENUMVAL_EXISTS</c>: enum value existence in the target kernel.</summary>
    ENUMVAL_EXISTS = 10,

    /// <summary><c>BPF_CORE_ENUMVAL_VALUE</c>: enum value's integer value.</summary>
    ENUMVAL_VALUE = 11,

    /// <summary><c>BPF_CORE_TYPE_MATCHES</c>: type match in the target kernel (clang 15+).</summary>
    TYPE_MATCHES = 12,
}
