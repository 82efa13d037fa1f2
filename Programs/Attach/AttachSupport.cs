namespace ManagedBpf.Programs;

/// <summary>
/// Which mechanism an attach kind uses on a kernel, or why it cannot work there. Pure: every attach method
/// asks <see cref="Require"/> first, so a kernel that lacks something fails with the same clear
/// <see cref="BpfAttachNotSupportedException"/> before any descriptor is opened.
/// </summary>
public static class AttachSupport
{
    /// <summary>What a kernel without BPF trampolines lacks, for fentry, fexit, fmod_ret, lsm and freplace.</summary>
    internal const string NoTrampolines = "it has no BPF trampolines (a TRACING program with an fentry attach type cannot be loaded here; " +
        "trampolines need the BPF JIT, CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS and an architecture that implements them).";

    /// <summary>The mechanism <paramref name="kind"/> uses on the running kernel.</summary>
    /// <exception cref="BpfAttachNotSupportedException">This kernel cannot attach <paramref name="kind"/>.</exception>
    public static AttachMechanism Require(AttachKind kind) => Choose(kind, KernelAttachFeatures.Current);

    /// <summary>The mechanism <paramref name="kind"/> uses on a kernel with <paramref name="features"/>.</summary>
    /// <exception cref="BpfAttachNotSupportedException">Such a kernel cannot attach <paramref name="kind"/>.</exception>
    public static AttachMechanism Choose(AttachKind kind, KernelAttachFeatures features)
    {
        ArgumentNullException.ThrowIfNull(features);
        // Only the facts a kind depends on are read, so only those are probed.
        AttachMechanism PerfEvent() => features.PerfLink ? AttachMechanism.PerfEventLink : AttachMechanism.PerfEventIoctl;
        return kind switch
        {
            AttachKind.Tracepoint or AttachKind.PerfEvent => PerfEvent(),
            AttachKind.Kprobe or AttachKind.Kretprobe or AttachKind.Ksyscall => features.KprobePmu ? PerfEvent() : throw new BpfAttachNotSupportedException(kind,
                "it has no kprobe PMU (/sys/bus/event_source/devices/kprobe is missing: the kernel is built without CONFIG_KPROBES, or predates 4.17; " +
                "ManagedBpf does not use the legacy tracefs kprobe_events interface)."),
            AttachKind.Uprobe or AttachKind.Uretprobe => features.UprobePmu ? PerfEvent() : throw new BpfAttachNotSupportedException(kind,
                "it has no uprobe PMU (/sys/bus/event_source/devices/uprobe is missing: the kernel is built without CONFIG_UPROBE_EVENTS, or predates 4.17; " +
                "ManagedBpf does not use the legacy tracefs uprobe_events interface)."),
            AttachKind.RawTracepoint => AttachMechanism.RawTracepointOpen,
            AttachKind.TpBtf => features.BpfLink ? AttachMechanism.BpfLink : AttachMechanism.RawTracepointOpen,
            AttachKind.Fentry or AttachKind.Fexit or AttachKind.FmodRet or AttachKind.Lsm or AttachKind.Freplace => features.Trampolines
                ? features.BpfLink ? AttachMechanism.BpfLink : AttachMechanism.RawTracepointOpen
                : throw new BpfAttachNotSupportedException(kind, NoTrampolines),
            AttachKind.SocketFilter => AttachMechanism.SocketOption,
            AttachKind.Xdp => features.BpfLink ? AttachMechanism.BpfLink : throw new BpfAttachNotSupportedException(kind,
                "it has no bpf_link (BPF_LINK_CREATE, 5.7; XDP links 5.9), and ManagedBpf does not implement the netlink (IFLA_XDP) path older kernels need."),
            AttachKind.Tcx => features.Tcx ? AttachMechanism.BpfLink : throw new BpfAttachNotSupportedException(kind,
                "it has no tcx links (BPF_TCX_INGRESS/EGRESS, 6.6), and ManagedBpf does not implement the netlink clsact/cls_bpf path older kernels need."),
            AttachKind.Cgroup => features.BpfLink ? AttachMechanism.BpfLink : AttachMechanism.ProgAttach,
            AttachKind.Iterator => features.BpfLink ? AttachMechanism.BpfLink : throw new BpfAttachNotSupportedException(kind,
                "it has no bpf_link (BPF_LINK_CREATE, 5.7; iterators 5.8), and iterators exist only as links."),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown attach kind."),
        };
    }
}
