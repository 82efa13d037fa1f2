using ManagedBpf.Kernel;

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

    [Theory]
    [InlineData("socket/extra")]   // exact patterns take no suffix
    [InlineData("kprobex/foo")]    // a '+' pattern needs '/' or the end after its prefix
    [InlineData("tracepointfoo")]
    [InlineData("maps")]
    [InlineData(".text")]
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
