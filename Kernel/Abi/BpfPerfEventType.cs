namespace ManagedBpf.Kernel;

/// <summary>What a perf-event bpf_link is attached to (<c>bpf_link_info.perf_event.type</c>).</summary>
/// <remarks>Member names and values mirror the kernel's uapi <c>enum bpf_perf_event_type</c> (include/uapi/linux/bpf.h, 6.6+).</remarks>
#pragma warning disable CS1591 // Members are the kernel's own constants; the uapi header documents them.
public enum BpfPerfEventType : uint
{
    UNSPEC = 0,
    UPROBE = 1,
    URETPROBE = 2,
    KPROBE = 3,
    KRETPROBE = 4,
    TRACEPOINT = 5,
    EVENT = 6,
}
#pragma warning restore CS1591
