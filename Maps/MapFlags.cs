namespace ManagedBpf.Maps;

/// <summary>BPF_MAP_CREATE <c>map_flags</c> (include/uapi/linux/bpf.h).</summary>
[Flags]
public enum MapFlags : uint
{
    /// <summary>No flags.</summary>
    None = 0,

    /// <summary>BPF_F_NO_PREALLOC: allocate hash elements on demand (required by LPM tries and local storage).</summary>
    NoPrealloc = 1U << 0,

    /// <summary>BPF_F_NO_COMMON_LRU: per-CPU LRU lists for LRU hashes.</summary>
    NoCommonLru = 1U << 1,

    /// <summary>BPF_F_NUMA_NODE: honour <see cref="MapSpec.NumaNode"/>.</summary>
    NumaNode = 1U << 2,

    /// <summary>BPF_F_RDONLY: user space may only read.</summary>
    ReadOnly = 1U << 3,

    /// <summary>BPF_F_WRONLY: user space may only write.</summary>
    WriteOnly = 1U << 4,

    /// <summary>BPF_F_STACK_BUILD_ID: stack maps store build id + offset.</summary>
    StackBuildId = 1U << 5,

    /// <summary>BPF_F_ZERO_SEED: zero hash seed, for tests only.</summary>
    ZeroSeed = 1U << 6,

    /// <summary>BPF_F_RDONLY_PROG: programs may only read (set on <c>.rodata</c>).</summary>
    ReadOnlyProgram = 1U << 7,

    /// <summary>BPF_F_WRONLY_PROG: programs may only write.</summary>
    WriteOnlyProgram = 1U << 8,

    /// <summary>BPF_F_CLONE: clone socket storage to accepted sockets.</summary>
    Clone = 1U << 9,

    /// <summary>BPF_F_MMAPABLE: the array can be mapped into user space.</summary>
    Mmapable = 1U << 10,

    /// <summary>BPF_F_PRESERVE_ELEMS: keep perf event array entries when the creating fd closes.</summary>
    PreserveElements = 1U << 11,

    /// <summary>BPF_F_INNER_MAP: an inner map whose max_entries may differ between instances.</summary>
    InnerMap = 1U << 12,
}
