namespace ManagedBpf.Kernel;

/// <summary>A BPF link type.</summary>
/// <remarks>Member names and values mirror the kernel's uapi <c>enum bpf_link_type</c> (include/uapi/linux/bpf.h).</remarks>
#pragma warning disable CS1591 // Members are the kernel's own constants; the uapi header documents them.
public enum BpfLinkType : uint
{
    UNSPEC = 0,
    RAW_TRACEPOINT = 1,
    TRACING = 2,
    CGROUP = 3,
    ITER = 4,
    NETNS = 5,
    XDP = 6,
    PERF_EVENT = 7,
    KPROBE_MULTI = 8,
    STRUCT_OPS = 9,
    NETFILTER = 10,
    TCX = 11,
    UPROBE_MULTI = 12,
    NETKIT = 13,
    SOCKMAP = 14,
}
#pragma warning restore CS1591
