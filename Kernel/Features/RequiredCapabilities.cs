namespace ManagedBpf.Kernel;

/// <summary>
/// The capabilities BPF_MAP_CREATE and BPF_PROG_LOAD check for each type before they look at anything else
/// (kernel/bpf/syscall.c: map_create, bpf_prog_load, is_net_admin_prog_type, is_perfmon_prog_type), so that a
/// probe refused with EPERM can tell a missing capability from a type the kernel cannot run.
/// </summary>
internal static class RequiredCapabilities
{
    /// <summary>The capabilities creating a map of <paramref name="type"/> needs.</summary>
    internal static IEnumerable<int> For(BpfMapType type)
    {
        // Unprivileged users may create the plainest maps, unless kernel.unprivileged_bpf_disabled says otherwise.
        if (KernelInfo.UnprivilegedBpfDisabled is not 0)
            yield return Capabilities.Bpf;
        switch (type)
        {
            case BpfMapType.SOCKMAP or BpfMapType.SOCKHASH or BpfMapType.DEVMAP or BpfMapType.DEVMAP_HASH or BpfMapType.XSKMAP:
                yield return Capabilities.NetAdmin;
                break;
            case BpfMapType.SK_STORAGE or BpfMapType.INODE_STORAGE or BpfMapType.TASK_STORAGE or BpfMapType.CGRP_STORAGE
                or BpfMapType.BLOOM_FILTER or BpfMapType.LPM_TRIE or BpfMapType.REUSEPORT_SOCKARRAY or BpfMapType.STACK_TRACE
                or BpfMapType.QUEUE or BpfMapType.STACK or BpfMapType.LRU_HASH or BpfMapType.LRU_PERCPU_HASH
                or BpfMapType.STRUCT_OPS or BpfMapType.CPUMAP or BpfMapType.ARENA:
                yield return Capabilities.Bpf;
                break;
        }
    }

    /// <summary>The capabilities loading a program of <paramref name="type"/> needs.</summary>
    internal static IEnumerable<int> For(BpfProgType type)
    {
        // Socket filters and cgroup skb programs are the only ones unprivileged users may load, when the sysctl allows.
        if (KernelInfo.UnprivilegedBpfDisabled is not 0 || type is not (BpfProgType.SOCKET_FILTER or BpfProgType.CGROUP_SKB))
            yield return Capabilities.Bpf;
        if (type is BpfProgType.KPROBE or BpfProgType.TRACEPOINT or BpfProgType.PERF_EVENT or BpfProgType.RAW_TRACEPOINT
            or BpfProgType.RAW_TRACEPOINT_WRITABLE or BpfProgType.TRACING or BpfProgType.LSM or BpfProgType.STRUCT_OPS or BpfProgType.EXT)
        {
            yield return Capabilities.Perfmon;
        }
        // LIRC_MODE2 needed CAP_NET_ADMIN before 6.5; listing it costs nothing on kernels that no longer refuse it.
        if (type is BpfProgType.SCHED_CLS or BpfProgType.SCHED_ACT or BpfProgType.XDP or BpfProgType.LWT_IN or BpfProgType.LWT_OUT
            or BpfProgType.LWT_XMIT or BpfProgType.LWT_SEG6LOCAL or BpfProgType.SK_SKB or BpfProgType.SK_MSG or BpfProgType.LIRC_MODE2
            or BpfProgType.FLOW_DISSECTOR or BpfProgType.CGROUP_DEVICE or BpfProgType.CGROUP_SOCK or BpfProgType.CGROUP_SOCK_ADDR
            or BpfProgType.CGROUP_SOCKOPT or BpfProgType.CGROUP_SYSCTL or BpfProgType.SOCK_OPS or BpfProgType.EXT or BpfProgType.NETFILTER)
        {
            yield return Capabilities.NetAdmin;
        }
    }

    /// <summary>
    /// The hint for a probe refused with EPERM when the process lacks some of <paramref name="required"/>, or null
    /// when it holds them all (then EPERM says something about the type, not the process).
    /// </summary>
    internal static string? MissingHint(IEnumerable<int> required)
    {
        var missing = required.Distinct().Where(c => !Capabilities.Grants(c)).Select(Capabilities.Name).ToList();
        return missing.Count == 0 ? null : $"This needs {string.Join(" and ", missing)} (or CAP_SYS_ADMIN, or root), which this process lacks.";
    }
}
