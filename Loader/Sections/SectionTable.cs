using ManagedBpf.Kernel;
using static ManagedBpf.Loader.SectionFlags;
using A = ManagedBpf.Kernel.BpfAttachType;
using P = ManagedBpf.Kernel.BpfProgType;

namespace ManagedBpf.Loader;

/// <summary>
/// Section names to program types, as libbpf names them (libbpf.c <c>section_defs</c> on libbpf's main branch,
/// 1.8 in development: 1.7's rows, <c>fsession</c> among them, plus sleepable tracepoints and the tracing
/// multi-link sections). Order matters: the first matching row wins, so longer patterns precede their prefixes.
/// </summary>
public static class SectionTable
{
    /// <summary>libbpf's SEC_ATTACHABLE_OPT.</summary>
    private const SectionFlags AttachableOpt = Attachable | ExpectedAttachTypeOptional;

    /// <summary>Every row, in matching order.</summary>
    public static IReadOnlyList<SectionDefinition> Definitions { get; } =
    [
        new("socket", P.SOCKET_FILTER, null, None),
        new("sk_reuseport/migrate", P.SK_REUSEPORT, A.SK_REUSEPORT_SELECT_OR_MIGRATE, Attachable),
        new("sk_reuseport", P.SK_REUSEPORT, A.SK_REUSEPORT_SELECT, Attachable),
        new("kprobe+", P.KPROBE, null, None),
        new("uprobe+", P.KPROBE, null, None),
        new("uprobe.s+", P.KPROBE, null, Sleepable),
        new("kretprobe+", P.KPROBE, null, None),
        new("uretprobe+", P.KPROBE, null, None),
        new("uretprobe.s+", P.KPROBE, null, Sleepable),
        new("kprobe.multi+", P.KPROBE, A.TRACE_KPROBE_MULTI, None),
        new("kretprobe.multi+", P.KPROBE, A.TRACE_KPROBE_MULTI, None),
        new("kprobe.session+", P.KPROBE, A.TRACE_KPROBE_SESSION, None),
        new("uprobe.multi+", P.KPROBE, A.TRACE_UPROBE_MULTI, None),
        new("uretprobe.multi+", P.KPROBE, A.TRACE_UPROBE_MULTI, None),
        new("uprobe.session+", P.KPROBE, A.TRACE_UPROBE_SESSION, None),
        new("uprobe.multi.s+", P.KPROBE, A.TRACE_UPROBE_MULTI, Sleepable),
        new("uretprobe.multi.s+", P.KPROBE, A.TRACE_UPROBE_MULTI, Sleepable),
        new("uprobe.session.s+", P.KPROBE, A.TRACE_UPROBE_SESSION, Sleepable),
        new("ksyscall+", P.KPROBE, null, None),
        new("kretsyscall+", P.KPROBE, null, None),
        new("usdt+", P.KPROBE, null, SectionFlags.Usdt),
        new("usdt.s+", P.KPROBE, null, SectionFlags.Usdt | Sleepable),
        new("tc/ingress", P.SCHED_CLS, A.TCX_INGRESS, None),
        new("tc/egress", P.SCHED_CLS, A.TCX_EGRESS, None),
        new("tcx/ingress", P.SCHED_CLS, A.TCX_INGRESS, None),
        new("tcx/egress", P.SCHED_CLS, A.TCX_EGRESS, None),
        new("tc", P.SCHED_CLS, null, None),
        new("classifier", P.SCHED_CLS, null, None),
        new("action", P.SCHED_ACT, null, None),
        new("netkit/primary", P.SCHED_CLS, A.NETKIT_PRIMARY, None),
        new("netkit/peer", P.SCHED_CLS, A.NETKIT_PEER, None),
        new("tracepoint+", P.TRACEPOINT, null, None),
        new("tp+", P.TRACEPOINT, null, None),
        new("tracepoint.s+", P.TRACEPOINT, null, Sleepable),
        new("tp.s+", P.TRACEPOINT, null, Sleepable),
        new("raw_tracepoint+", P.RAW_TRACEPOINT, null, None),
        new("raw_tp+", P.RAW_TRACEPOINT, null, None),
        new("raw_tracepoint.s+", P.RAW_TRACEPOINT, null, Sleepable),
        new("raw_tp.s+", P.RAW_TRACEPOINT, null, Sleepable),
        new("raw_tracepoint.w+", P.RAW_TRACEPOINT_WRITABLE, null, None),
        new("raw_tp.w+", P.RAW_TRACEPOINT_WRITABLE, null, None),
        new("tp_btf+", P.TRACING, A.TRACE_RAW_TP, AttachBtf),
        new("tp_btf.s+", P.TRACING, A.TRACE_RAW_TP, AttachBtf | Sleepable),
        new("fentry+", P.TRACING, A.TRACE_FENTRY, AttachBtf),
        new("fmod_ret+", P.TRACING, A.MODIFY_RETURN, AttachBtf),
        new("fexit+", P.TRACING, A.TRACE_FEXIT, AttachBtf),
        new("fentry.s+", P.TRACING, A.TRACE_FENTRY, AttachBtf | Sleepable),
        new("fmod_ret.s+", P.TRACING, A.MODIFY_RETURN, AttachBtf | Sleepable),
        new("fexit.s+", P.TRACING, A.TRACE_FEXIT, AttachBtf | Sleepable),
        new("fsession+", P.TRACING, A.TRACE_FSESSION, AttachBtf),
        new("fsession.s+", P.TRACING, A.TRACE_FSESSION, AttachBtf | Sleepable),
        new("fsession.multi+", P.TRACING, A.TRACE_FSESSION_MULTI, None),
        new("fsession.multi.s+", P.TRACING, A.TRACE_FSESSION_MULTI, Sleepable),
        new("fentry.multi+", P.TRACING, A.TRACE_FENTRY_MULTI, None),
        new("fexit.multi+", P.TRACING, A.TRACE_FEXIT_MULTI, None),
        new("fentry.multi.s+", P.TRACING, A.TRACE_FENTRY_MULTI, Sleepable),
        new("fexit.multi.s+", P.TRACING, A.TRACE_FEXIT_MULTI, Sleepable),
        new("freplace+", P.EXT, null, AttachBtf),
        new("lsm+", P.LSM, A.LSM_MAC, AttachBtf),
        new("lsm.s+", P.LSM, A.LSM_MAC, AttachBtf | Sleepable),
        new("lsm_cgroup+", P.LSM, A.LSM_CGROUP, AttachBtf),
        new("iter+", P.TRACING, A.TRACE_ITER, AttachBtf),
        new("iter.s+", P.TRACING, A.TRACE_ITER, AttachBtf | Sleepable),
        new("syscall", P.SYSCALL, null, Sleepable),
        new("xdp.frags/devmap", P.XDP, A.XDP_DEVMAP, XdpFrags),
        new("xdp/devmap", P.XDP, A.XDP_DEVMAP, Attachable),
        new("xdp.frags/cpumap", P.XDP, A.XDP_CPUMAP, XdpFrags),
        new("xdp/cpumap", P.XDP, A.XDP_CPUMAP, Attachable),
        new("xdp.frags", P.XDP, A.XDP, XdpFrags),
        new("xdp", P.XDP, A.XDP, AttachableOpt),
        new("perf_event", P.PERF_EVENT, null, None),
        new("lwt_in", P.LWT_IN, null, None),
        new("lwt_out", P.LWT_OUT, null, None),
        new("lwt_xmit", P.LWT_XMIT, null, None),
        new("lwt_seg6local", P.LWT_SEG6LOCAL, null, None),
        new("sockops", P.SOCK_OPS, A.CGROUP_SOCK_OPS, AttachableOpt),
        new("sk_skb/stream_parser", P.SK_SKB, A.SK_SKB_STREAM_PARSER, AttachableOpt),
        new("sk_skb/stream_verdict", P.SK_SKB, A.SK_SKB_STREAM_VERDICT, AttachableOpt),
        new("sk_skb/verdict", P.SK_SKB, A.SK_SKB_VERDICT, AttachableOpt),
        new("sk_skb", P.SK_SKB, null, None),
        new("sk_msg", P.SK_MSG, A.SK_MSG_VERDICT, AttachableOpt),
        new("lirc_mode2", P.LIRC_MODE2, A.LIRC_MODE2, AttachableOpt),
        new("flow_dissector", P.FLOW_DISSECTOR, A.FLOW_DISSECTOR, AttachableOpt),
        new("cgroup_skb/ingress", P.CGROUP_SKB, A.CGROUP_INET_INGRESS, AttachableOpt),
        new("cgroup_skb/egress", P.CGROUP_SKB, A.CGROUP_INET_EGRESS, AttachableOpt),
        new("cgroup/skb", P.CGROUP_SKB, null, None),
        new("cgroup/sock_create", P.CGROUP_SOCK, A.CGROUP_INET_SOCK_CREATE, Attachable),
        new("cgroup/sock_release", P.CGROUP_SOCK, A.CGROUP_INET_SOCK_RELEASE, Attachable),
        new("cgroup/sock", P.CGROUP_SOCK, A.CGROUP_INET_SOCK_CREATE, AttachableOpt),
        new("cgroup/post_bind4", P.CGROUP_SOCK, A.CGROUP_INET4_POST_BIND, Attachable),
        new("cgroup/post_bind6", P.CGROUP_SOCK, A.CGROUP_INET6_POST_BIND, Attachable),
        new("cgroup/bind4", P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_BIND, Attachable),
        new("cgroup/bind6", P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_BIND, Attachable),
        new("cgroup/connect4", P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_CONNECT, Attachable),
        new("cgroup/connect6", P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_CONNECT, Attachable),
        new("cgroup/connect_unix", P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_CONNECT, Attachable),
        new("cgroup/sendmsg4", P.CGROUP_SOCK_ADDR, A.CGROUP_UDP4_SENDMSG, Attachable),
        new("cgroup/sendmsg6", P.CGROUP_SOCK_ADDR, A.CGROUP_UDP6_SENDMSG, Attachable),
        new("cgroup/sendmsg_unix", P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_SENDMSG, Attachable),
        new("cgroup/recvmsg4", P.CGROUP_SOCK_ADDR, A.CGROUP_UDP4_RECVMSG, Attachable),
        new("cgroup/recvmsg6", P.CGROUP_SOCK_ADDR, A.CGROUP_UDP6_RECVMSG, Attachable),
        new("cgroup/recvmsg_unix", P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_RECVMSG, Attachable),
        new("cgroup/getpeername4", P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_GETPEERNAME, Attachable),
        new("cgroup/getpeername6", P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_GETPEERNAME, Attachable),
        new("cgroup/getpeername_unix", P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_GETPEERNAME, Attachable),
        new("cgroup/getsockname4", P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_GETSOCKNAME, Attachable),
        new("cgroup/getsockname6", P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_GETSOCKNAME, Attachable),
        new("cgroup/getsockname_unix", P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_GETSOCKNAME, Attachable),
        new("cgroup/sysctl", P.CGROUP_SYSCTL, A.CGROUP_SYSCTL, Attachable),
        new("cgroup/getsockopt", P.CGROUP_SOCKOPT, A.CGROUP_GETSOCKOPT, Attachable),
        new("cgroup/setsockopt", P.CGROUP_SOCKOPT, A.CGROUP_SETSOCKOPT, Attachable),
        new("cgroup/dev", P.CGROUP_DEVICE, A.CGROUP_DEVICE, AttachableOpt),
        new("struct_ops+", P.STRUCT_OPS, null, None),
        new("struct_ops.s+", P.STRUCT_OPS, null, Sleepable),
        new("sk_lookup", P.SK_LOOKUP, A.SK_LOOKUP, Attachable),
        new("netfilter", P.NETFILTER, A.NETFILTER, None),
    ];

    /// <summary>Resolves a section name, or returns null when no row matches (libbpf: "unrecognized ELF section name").</summary>
    /// <param name="sectionName">The ELF section name; a leading <c>?</c> turns autoload off and is not matched.</param>
    /// <exception cref="ArgumentNullException"><paramref name="sectionName"/> is null.</exception>
    public static ProgramSection? Resolve(string sectionName)
    {
        ArgumentNullException.ThrowIfNull(sectionName);
        var autoload = !sectionName.StartsWith('?');
        var name = autoload ? sectionName : sectionName[1..];
        foreach (var definition in Definitions)
        {
            if (!definition.Matches(name))
                continue;
            return new ProgramSection(sectionName, definition, Target(definition.Pattern, name), autoload);
        }
        return null;
    }

    /// <summary>
    /// The known section names nearest to <paramref name="sectionName"/>, nearest first: those whose kind (the
    /// name up to its first <c>.</c> or <c>/</c>, so <c>xdp</c> for <c>xdp.frags/devmap</c>) is the fewest edits
    /// (insertions, deletions, substitutions, adjacent transpositions) away from the kind written, then those
    /// whose name is (a name with a <c>/</c> against the whole section name, one without against the part before
    /// any <c>/</c>, which is a target), then table order. <c>.xdp</c> gives <c>xdp</c>, <c>xdp.frags</c>, <c>xdp/devmap</c>.
    /// </summary>
    /// <param name="sectionName">A section name, usually one <see cref="Resolve"/> does not know; a leading <c>?</c> is ignored.</param>
    /// <param name="count">How many names to return.</param>
    /// <exception cref="ArgumentNullException"><paramref name="sectionName"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public static IReadOnlyList<string> Nearest(string sectionName, int count = 3)
    {
        ArgumentNullException.ThrowIfNull(sectionName);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var name = sectionName.StartsWith('?') ? sectionName[1..] : sectionName;
        var kind = Kind(name);
        var written = name.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0 ? name[..slash] : name;
        return [.. Definitions
            .Select((d, index) => (d.Name, Kind: EditDistance(kind, Kind(d.Name)), Whole: EditDistance(d.Name.Contains('/', StringComparison.Ordinal) ? name : written, d.Name), index))
            .OrderBy(c => c.Kind).ThenBy(c => c.Whole).ThenBy(c => c.index)
            .Take(count)
            .Select(c => c.Name)];
    }

    /// <summary>Whether <paramref name="known"/> (from <see cref="Nearest"/>) is close enough to <paramref name="sectionName"/> to be a likely typo for it.</summary>
    internal static bool IsLikelyMeant(string sectionName, string known)
    {
        var kind = Kind(sectionName.StartsWith('?') ? sectionName[1..] : sectionName);
        return EditDistance(kind, Kind(known)) <= Math.Max(1, kind.Length / 3);
    }

    /// <summary>What follows the pattern in the name: after <c>prefix/</c> for <c>+</c> patterns, after the pattern for <c>/</c> ones.</summary>
    private static string? Target(string pattern, string name)
    {
        // A '+' stands where the name has its '/', so both kinds of pattern end where the target starts.
        var hasTarget = (pattern.EndsWith('+') || pattern.EndsWith('/')) && name.Length > pattern.Length;
        return hasTarget ? name[pattern.Length..] : null;
    }

    /// <summary>A name's kind: up to its first <c>.</c> or <c>/</c>, not counting a leading <c>.</c> (<c>.xdp</c> stays <c>.xdp</c>).</summary>
    private static string Kind(string name)
    {
        var end = name.AsSpan(Math.Min(1, name.Length)).IndexOfAny('.', '/');
        return end < 0 ? name : name[..(end + 1)];
    }

    /// <summary>Optimal string alignment distance: Levenshtein plus the swap of two adjacent characters as one edit.</summary>
    private static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
            d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++)
            d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
