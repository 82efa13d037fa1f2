namespace ManagedBpf.Programs;

/// <summary>How the kernel was asked to attach a program; the newest mechanism the kernel has wins.</summary>
public enum AttachMechanism
{
    /// <summary>BPF_LINK_CREATE: a bpf_link descriptor (5.7+), or a link opened from a pin or id.</summary>
    BpfLink,

    /// <summary>BPF_RAW_TRACEPOINT_OPEN: a raw tracepoint or tracing bpf_link (4.17+).</summary>
    RawTracepointOpen,

    /// <summary>perf_event_open then BPF_LINK_CREATE with BPF_PERF_EVENT: a pinnable perf link (5.15+).</summary>
    PerfEventLink,

    /// <summary>perf_event_open then PERF_EVENT_IOC_SET_BPF: the program lives as long as the perf event (before 5.15).</summary>
    PerfEventIoctl,

    /// <summary>BPF_PROG_ATTACH with BPF_F_ALLOW_MULTI: cgroup attachment before bpf_link, undone by BPF_PROG_DETACH.</summary>
    ProgAttach,

    /// <summary>setsockopt(SO_ATTACH_BPF): a socket filter, undone by SO_DETACH_BPF or by closing the socket.</summary>
    SocketOption,
}
