namespace ManagedBpf.Programs;

/// <summary>What a program is attached to: the attach kinds libbpf offers, named after their section prefixes.</summary>
public enum AttachKind
{
    /// <summary>A tracepoint (<c>tracepoint/</c>, <c>tp/</c>): a perf event of type PERF_TYPE_TRACEPOINT.</summary>
    Tracepoint,

    /// <summary>A raw tracepoint by name (<c>raw_tp/</c>): BPF_RAW_TRACEPOINT_OPEN.</summary>
    RawTracepoint,

    /// <summary>A BTF-typed raw tracepoint (<c>tp_btf/</c>): a TRACING program with BPF_TRACE_RAW_TP.</summary>
    TpBtf,

    /// <summary>A kernel function's entry by BTF id (<c>fentry/</c>): needs BPF trampolines.</summary>
    Fentry,

    /// <summary>A kernel function's return by BTF id (<c>fexit/</c>): needs BPF trampolines.</summary>
    Fexit,

    /// <summary>A kernel function's return value override (<c>fmod_ret/</c>): needs BPF trampolines.</summary>
    FmodRet,

    /// <summary>A BPF LSM hook (<c>lsm/</c>): needs BPF trampolines and "bpf" in the kernel's lsm= list.</summary>
    Lsm,

    /// <summary>A replacement for a function of another BPF program (<c>freplace/</c>): needs BPF trampolines.</summary>
    Freplace,

    /// <summary>A kernel function's entry (<c>kprobe/</c>) through the kprobe PMU.</summary>
    Kprobe,

    /// <summary>A kernel function's return (<c>kretprobe/</c>) through the kprobe PMU.</summary>
    Kretprobe,

    /// <summary>A system call's kernel entry point (<c>ksyscall/</c>, <c>kretsyscall/</c>): a kprobe on its arch-specific wrapper.</summary>
    Ksyscall,

    /// <summary>A user-space function's entry (<c>uprobe/</c>) through the uprobe PMU.</summary>
    Uprobe,

    /// <summary>A user-space function's return (<c>uretprobe/</c>) through the uprobe PMU.</summary>
    Uretprobe,

    /// <summary>A software or hardware perf counter per CPU (<c>perf_event</c>).</summary>
    PerfEvent,

    /// <summary>A socket (<c>socket</c>): SO_ATTACH_BPF.</summary>
    SocketFilter,

    /// <summary>A network interface's receive path (<c>xdp</c>).</summary>
    Xdp,

    /// <summary>A network interface's tc ingress or egress hook through tcx (<c>tc</c>, <c>tcx/</c>).</summary>
    Tcx,

    /// <summary>A cgroup v2 directory (<c>cgroup_skb/</c>, <c>cgroup/</c>, <c>sockops</c>…).</summary>
    Cgroup,

    /// <summary>A BPF iterator (<c>iter/</c>): a link whose output is read as a stream.</summary>
    Iterator,
}
