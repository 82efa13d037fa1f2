using ManagedBpf.Kernel;
using static ManagedBpf.Loader.SectionFlags;
using A = ManagedBpf.Kernel.BpfAttachType;
using P = ManagedBpf.Kernel.BpfProgType;

namespace ManagedBpf.Loader.Tests;

public sealed class SectionTableTests
{
    [Theory]
    [InlineData("tracepoint/syscalls/sys_enter_execve", BpfProgType.TRACEPOINT, null, "syscalls/sys_enter_execve")]
    [InlineData("tp/sched/sched_switch", BpfProgType.TRACEPOINT, null, "sched/sched_switch")]
    [InlineData("raw_tp/sched_switch", BpfProgType.RAW_TRACEPOINT, null, "sched_switch")]
    [InlineData("raw_tracepoint.w/bpf_test_finish", BpfProgType.RAW_TRACEPOINT_WRITABLE, null, "bpf_test_finish")]
    [InlineData("tp_btf/sched_switch", BpfProgType.TRACING, BpfAttachType.TRACE_RAW_TP, "sched_switch")]
    [InlineData("kprobe/do_unlinkat", BpfProgType.KPROBE, null, "do_unlinkat")]
    [InlineData("kretprobe/do_unlinkat", BpfProgType.KPROBE, null, "do_unlinkat")]
    [InlineData("ksyscall/execve", BpfProgType.KPROBE, null, "execve")]
    [InlineData("uprobe//proc/self/exe:main", BpfProgType.KPROBE, null, "/proc/self/exe:main")]
    [InlineData("uretprobe/libc.so.6:malloc", BpfProgType.KPROBE, null, "libc.so.6:malloc")]
    [InlineData("kprobe.multi/do_*", BpfProgType.KPROBE, BpfAttachType.TRACE_KPROBE_MULTI, "do_*")]
    [InlineData("fentry/do_unlinkat", BpfProgType.TRACING, BpfAttachType.TRACE_FENTRY, "do_unlinkat")]
    [InlineData("fexit/do_unlinkat", BpfProgType.TRACING, BpfAttachType.TRACE_FEXIT, "do_unlinkat")]
    [InlineData("fmod_ret/security_x", BpfProgType.TRACING, BpfAttachType.MODIFY_RETURN, "security_x")]
    [InlineData("lsm/file_open", BpfProgType.LSM, BpfAttachType.LSM_MAC, "file_open")]
    [InlineData("iter/task", BpfProgType.TRACING, BpfAttachType.TRACE_ITER, "task")]
    [InlineData("xdp", BpfProgType.XDP, BpfAttachType.XDP, null)]
    [InlineData("xdp/devmap", BpfProgType.XDP, BpfAttachType.XDP_DEVMAP, null)]
    [InlineData("tc", BpfProgType.SCHED_CLS, null, null)]
    [InlineData("classifier", BpfProgType.SCHED_CLS, null, null)]
    [InlineData("tcx/ingress", BpfProgType.SCHED_CLS, BpfAttachType.TCX_INGRESS, null)]
    [InlineData("socket", BpfProgType.SOCKET_FILTER, null, null)]
    [InlineData("perf_event", BpfProgType.PERF_EVENT, null, null)]
    [InlineData("cgroup_skb/ingress", BpfProgType.CGROUP_SKB, BpfAttachType.CGROUP_INET_INGRESS, null)]
    [InlineData("cgroup/connect4", BpfProgType.CGROUP_SOCK_ADDR, BpfAttachType.CGROUP_INET4_CONNECT, null)]
    [InlineData("cgroup/sock", BpfProgType.CGROUP_SOCK, BpfAttachType.CGROUP_INET_SOCK_CREATE, null)]
    [InlineData("sk_lookup", BpfProgType.SK_LOOKUP, BpfAttachType.SK_LOOKUP, null)]
    [InlineData("syscall", BpfProgType.SYSCALL, null, null)]
    [InlineData("usdt/./app:provider:probe", BpfProgType.KPROBE, null, "./app:provider:probe")]
    public void Resolves_as_libbpf_does(string section, BpfProgType type, BpfAttachType? attach, string? target)
    {
        var resolved = SectionTable.Resolve(section);
        Assert.NotNull(resolved);
        Assert.Equal((type, attach, target, true), (resolved.Type, resolved.ExpectedAttachType, resolved.AttachTarget, resolved.Autoload));
    }

    [Theory]
    [InlineData("uprobe.s//bin/bash:readline", true)]
    [InlineData("lsm.s/file_open", true)]
    [InlineData("fentry.s/x", true)]
    [InlineData("syscall", true)]
    [InlineData("uprobe//bin/bash:readline", false)]
    [InlineData("iter/task", false)]
    public void Sleepable_variants_are_marked(string section, bool sleepable) =>
        Assert.Equal(sleepable, SectionTable.Resolve(section)!.Sleepable);

    [Fact]
    public void Question_mark_prefix_turns_autoload_off()
    {
        var section = SectionTable.Resolve("?tp/syscalls/sys_enter_openat")!;
        Assert.False(section.Autoload);
        Assert.Equal(BpfProgType.TRACEPOINT, section.Type);
        Assert.Equal("syscalls/sys_enter_openat", section.AttachTarget);
        Assert.Equal("?tp/syscalls/sys_enter_openat", section.Name);
    }

    [Theory]
    [InlineData("kprobe", "kprobe")]
    [InlineData("uprobe.s", "uprobe.s")]
    [InlineData("kretsyscall/execve", "kretsyscall")]
    public void Bare_kinds_match_without_a_target(string section, string kind)
    {
        var resolved = SectionTable.Resolve(section)!;
        Assert.Equal(kind, resolved.Kind);
    }

    // Type, expected attach type and flags of libbpf's section_defs rows (main branch, 1.8 in development), one name per row kind.
    [Theory]
    [InlineData("socket", P.SOCKET_FILTER, null, None)]
    [InlineData("sk_reuseport/migrate", P.SK_REUSEPORT, A.SK_REUSEPORT_SELECT_OR_MIGRATE, Attachable)]
    [InlineData("uprobe.session.s//bin/sh:main", P.KPROBE, A.TRACE_UPROBE_SESSION, Sleepable)]
    [InlineData("usdt.s/x", P.KPROBE, null, SectionFlags.Usdt | Sleepable)]
    [InlineData("tc/ingress", P.SCHED_CLS, A.TCX_INGRESS, None)]
    [InlineData("action", P.SCHED_ACT, null, None)]
    [InlineData("netkit/peer", P.SCHED_CLS, A.NETKIT_PEER, None)]
    [InlineData("tracepoint.s/syscalls/sys_enter_openat", P.TRACEPOINT, null, Sleepable)]
    [InlineData("tp.s/syscalls/sys_enter_openat", P.TRACEPOINT, null, Sleepable)]
    [InlineData("raw_tracepoint.s/sys_enter", P.RAW_TRACEPOINT, null, Sleepable)]
    [InlineData("raw_tp.s/sys_enter", P.RAW_TRACEPOINT, null, Sleepable)]
    [InlineData("tp_btf.s/sys_enter", P.TRACING, A.TRACE_RAW_TP, AttachBtf | Sleepable)]
    [InlineData("fsession/vfs_read", P.TRACING, A.TRACE_FSESSION, AttachBtf)]
    [InlineData("fsession.s/vfs_read", P.TRACING, A.TRACE_FSESSION, AttachBtf | Sleepable)]
    [InlineData("fsession.multi/vfs_*", P.TRACING, A.TRACE_FSESSION_MULTI, None)]
    [InlineData("fsession.multi.s/vfs_*", P.TRACING, A.TRACE_FSESSION_MULTI, Sleepable)]
    [InlineData("fentry.multi/vfs_*", P.TRACING, A.TRACE_FENTRY_MULTI, None)]
    [InlineData("fexit.multi.s/vfs_*", P.TRACING, A.TRACE_FEXIT_MULTI, Sleepable)]
    [InlineData("freplace/handler", P.EXT, null, AttachBtf)]
    [InlineData("lsm_cgroup/socket_bind", P.LSM, A.LSM_CGROUP, AttachBtf)]
    [InlineData("iter.s/task", P.TRACING, A.TRACE_ITER, AttachBtf | Sleepable)]
    [InlineData("syscall", P.SYSCALL, null, Sleepable)]
    [InlineData("xdp", P.XDP, A.XDP, Attachable | ExpectedAttachTypeOptional)]
    [InlineData("xdp.frags", P.XDP, A.XDP, XdpFrags)]
    [InlineData("xdp.frags/devmap", P.XDP, A.XDP_DEVMAP, XdpFrags)]
    [InlineData("xdp/cpumap", P.XDP, A.XDP_CPUMAP, Attachable)]
    [InlineData("lwt_seg6local", P.LWT_SEG6LOCAL, null, None)]
    [InlineData("sockops", P.SOCK_OPS, A.CGROUP_SOCK_OPS, Attachable | ExpectedAttachTypeOptional)]
    [InlineData("sk_skb/stream_parser", P.SK_SKB, A.SK_SKB_STREAM_PARSER, Attachable | ExpectedAttachTypeOptional)]
    [InlineData("sk_skb", P.SK_SKB, null, None)]
    [InlineData("sk_msg", P.SK_MSG, A.SK_MSG_VERDICT, Attachable | ExpectedAttachTypeOptional)]
    [InlineData("lirc_mode2", P.LIRC_MODE2, A.LIRC_MODE2, Attachable | ExpectedAttachTypeOptional)]
    [InlineData("flow_dissector", P.FLOW_DISSECTOR, A.FLOW_DISSECTOR, Attachable | ExpectedAttachTypeOptional)]
    [InlineData("cgroup_skb/egress", P.CGROUP_SKB, A.CGROUP_INET_EGRESS, Attachable | ExpectedAttachTypeOptional)]
    [InlineData("cgroup/skb", P.CGROUP_SKB, null, None)]
    [InlineData("cgroup/sock", P.CGROUP_SOCK, A.CGROUP_INET_SOCK_CREATE, Attachable | ExpectedAttachTypeOptional)]
    [InlineData("cgroup/sock_release", P.CGROUP_SOCK, A.CGROUP_INET_SOCK_RELEASE, Attachable)]
    [InlineData("cgroup/getsockname_unix", P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_GETSOCKNAME, Attachable)]
    [InlineData("cgroup/setsockopt", P.CGROUP_SOCKOPT, A.CGROUP_SETSOCKOPT, Attachable)]
    [InlineData("cgroup/dev", P.CGROUP_DEVICE, A.CGROUP_DEVICE, Attachable | ExpectedAttachTypeOptional)]
    [InlineData("struct_ops.s/test_1", P.STRUCT_OPS, null, Sleepable)]
    [InlineData("sk_lookup", P.SK_LOOKUP, A.SK_LOOKUP, Attachable)]
    [InlineData("netfilter", P.NETFILTER, A.NETFILTER, None)]
    public void Rows_carry_libbpfs_type_attach_type_and_flags(string section, BpfProgType type, BpfAttachType? attach, SectionFlags flags)
    {
        var resolved = SectionTable.Resolve(section)!;
        Assert.Equal((type, attach, flags), (resolved.Type, resolved.ExpectedAttachType, resolved.Definition.Flags));
    }

    [Fact]
    public void Every_row_is_the_first_match_for_its_own_name()
    {
        // A row shadowed by an earlier, shorter pattern would never be chosen (first match wins, as in libbpf).
        foreach (var definition in SectionTable.Definitions)
        {
            Assert.Same(definition, SectionTable.Resolve(definition.Name)!.Definition);
            if (definition.Pattern.EndsWith('+'))
                Assert.Same(definition, SectionTable.Resolve(definition.Name + "/target")!.Definition);
        }
    }

    [Fact]
    public void Socket_takes_no_target_as_in_libbpf_1_0_and_later()
    {
        // libbpf 0.x matched "socket" as a prefix (SEC_SLOPPY_PFX); 1.0 dropped that, so socket/type_ids is an unknown section.
        Assert.Null(SectionTable.Resolve("socket/type_ids"));
        Assert.Null(SectionTable.Resolve("socketfilter"));
    }

    [Fact]
    public void A_pattern_ending_in_a_slash_matches_every_name_it_starts()
    {
        var definition = new SectionDefinition("custom/", P.KPROBE, null, None);
        Assert.True(definition.Matches("custom/x/y"));
        Assert.True(definition.Matches("custom/"));
        Assert.False(definition.Matches("custom"));
        Assert.False(definition.Matches("customx"));
    }

    [Theory]
    [InlineData("socket/extra")]   // exact patterns take no suffix
    [InlineData("kprobex/foo")]    // a '+' pattern needs '/' or the end after its prefix
    [InlineData("tracepointfoo")]
    [InlineData("maps")]
    [InlineData(".text")]
    [InlineData(".xdp")]
    [InlineData("xdp.frag")]
    [InlineData("fsessions/vfs_read")]
    [InlineData("")]
    public void Unknown_sections_resolve_to_nothing(string section) => Assert.Null(SectionTable.Resolve(section));

    [Fact]
    public void Xdp_frags_and_usdt_carry_their_flags()
    {
        Assert.Equal(SectionFlags.XdpFrags, SectionTable.Resolve("xdp.frags")!.Definition.Flags);
        Assert.True(SectionTable.Resolve("usdt.s/x")!.Definition.Flags.HasFlag(SectionFlags.Usdt | SectionFlags.Sleepable));
        Assert.True(SectionTable.Resolve("tp_btf/sched_switch")!.Definition.Flags.HasFlag(SectionFlags.AttachBtf));
    }
}
