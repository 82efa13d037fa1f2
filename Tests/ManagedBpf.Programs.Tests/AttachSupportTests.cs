namespace ManagedBpf.Programs.Tests;

/// <summary>The mechanism choice on kernels this machine does not run (no kernel needed).</summary>
public sealed class AttachSupportTests
{
    private static readonly KernelAttachFeatures Everything = new(bpfLink: true, perfLink: true, kprobePmu: true, uprobePmu: true, trampolines: true, tcx: true);
    private static readonly KernelAttachFeatures Linux5_4 = new(bpfLink: false, perfLink: false, kprobePmu: true, uprobePmu: true, trampolines: true, tcx: false);
    private static readonly KernelAttachFeatures Linux5_10 = new(bpfLink: true, perfLink: false, kprobePmu: true, uprobePmu: true, trampolines: true, tcx: false);
    private static readonly KernelAttachFeatures ThisMachine = new(bpfLink: true, perfLink: true, kprobePmu: false, uprobePmu: true, trampolines: false, tcx: true);

    [Theory]
    [InlineData(AttachKind.Tracepoint, AttachMechanism.PerfEventLink)]
    [InlineData(AttachKind.Kprobe, AttachMechanism.PerfEventLink)]
    [InlineData(AttachKind.Kretprobe, AttachMechanism.PerfEventLink)]
    [InlineData(AttachKind.Ksyscall, AttachMechanism.PerfEventLink)]
    [InlineData(AttachKind.Uprobe, AttachMechanism.PerfEventLink)]
    [InlineData(AttachKind.Uretprobe, AttachMechanism.PerfEventLink)]
    [InlineData(AttachKind.PerfEvent, AttachMechanism.PerfEventLink)]
    [InlineData(AttachKind.RawTracepoint, AttachMechanism.RawTracepointOpen)]
    [InlineData(AttachKind.TpBtf, AttachMechanism.BpfLink)]
    [InlineData(AttachKind.Fentry, AttachMechanism.BpfLink)]
    [InlineData(AttachKind.Fexit, AttachMechanism.BpfLink)]
    [InlineData(AttachKind.FmodRet, AttachMechanism.BpfLink)]
    [InlineData(AttachKind.Lsm, AttachMechanism.BpfLink)]
    [InlineData(AttachKind.Freplace, AttachMechanism.BpfLink)]
    [InlineData(AttachKind.SocketFilter, AttachMechanism.SocketOption)]
    [InlineData(AttachKind.Xdp, AttachMechanism.BpfLink)]
    [InlineData(AttachKind.Tcx, AttachMechanism.BpfLink)]
    [InlineData(AttachKind.Cgroup, AttachMechanism.BpfLink)]
    [InlineData(AttachKind.Iterator, AttachMechanism.BpfLink)]
    public void A_kernel_with_everything_uses_links(AttachKind kind, AttachMechanism expected) =>
        Assert.Equal(expected, AttachSupport.Choose(kind, Everything));

    [Theory]
    [InlineData(AttachKind.Tracepoint, AttachMechanism.PerfEventIoctl)]
    [InlineData(AttachKind.Kprobe, AttachMechanism.PerfEventIoctl)]
    [InlineData(AttachKind.Uprobe, AttachMechanism.PerfEventIoctl)]
    [InlineData(AttachKind.PerfEvent, AttachMechanism.PerfEventIoctl)]
    [InlineData(AttachKind.TpBtf, AttachMechanism.RawTracepointOpen)]
    [InlineData(AttachKind.Fentry, AttachMechanism.RawTracepointOpen)]
    [InlineData(AttachKind.Lsm, AttachMechanism.RawTracepointOpen)]
    [InlineData(AttachKind.Cgroup, AttachMechanism.ProgAttach)]
    [InlineData(AttachKind.SocketFilter, AttachMechanism.SocketOption)]
    public void A_kernel_without_bpf_link_falls_back_to_the_older_mechanisms(AttachKind kind, AttachMechanism expected) =>
        Assert.Equal(expected, AttachSupport.Choose(kind, Linux5_4));

    [Theory]
    [InlineData(AttachKind.Tracepoint)]
    [InlineData(AttachKind.Uprobe)]
    [InlineData(AttachKind.PerfEvent)]
    public void Before_perf_links_perf_events_use_SET_BPF_even_with_bpf_link(AttachKind kind) =>
        Assert.Equal(AttachMechanism.PerfEventIoctl, AttachSupport.Choose(kind, Linux5_10));

    [Theory]
    [InlineData(AttachKind.Xdp, "netlink (IFLA_XDP)")]
    [InlineData(AttachKind.Iterator, "iterators exist only as links")]
    public void Kinds_without_an_older_mechanism_say_what_is_missing(AttachKind kind, string why)
    {
        var e = Assert.Throws<BpfAttachNotSupportedException>(() => AttachSupport.Choose(kind, Linux5_4));
        Assert.Contains("not supported by this kernel", e.Message);
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void Tcx_before_6_6_says_so()
    {
        var e = Assert.Throws<BpfAttachNotSupportedException>(() => AttachSupport.Choose(AttachKind.Tcx, Linux5_10));
        Assert.Contains("6.6", e.Message);
    }

    [Theory]
    [InlineData(AttachKind.Kprobe, "no kprobe PMU")]
    [InlineData(AttachKind.Kretprobe, "no kprobe PMU")]
    [InlineData(AttachKind.Ksyscall, "no kprobe PMU")]
    [InlineData(AttachKind.Fentry, "no BPF trampolines")]
    [InlineData(AttachKind.Fexit, "no BPF trampolines")]
    [InlineData(AttachKind.FmodRet, "no BPF trampolines")]
    [InlineData(AttachKind.Lsm, "no BPF trampolines")]
    public void This_machines_kernel_lacks_kprobes_and_trampolines(AttachKind kind, string missing)
    {
        var e = Assert.Throws<BpfAttachNotSupportedException>(() => AttachSupport.Choose(kind, ThisMachine));
        Assert.Equal(kind, e.Kind);
        Assert.Contains("not supported by this kernel", e.Message);
        Assert.Contains(missing, e.Message);
    }

    [Fact]
    public void A_kernel_without_the_uprobe_pmu_says_so()
    {
        var noUprobes = new KernelAttachFeatures(bpfLink: true, perfLink: true, kprobePmu: false, uprobePmu: false, trampolines: false, tcx: true);
        Assert.Contains("no uprobe PMU", Assert.Throws<BpfAttachNotSupportedException>(() => AttachSupport.Choose(AttachKind.Uprobe, noUprobes)).Message);
    }

    [Fact]
    public void Only_the_facts_a_kind_needs_are_probed()
    {
        // As for a process that may not load the probe programs: every probe but the kprobe PMU's fails.
        static bool Refused() => throw new InvalidOperationException("probed");
        var features = new KernelAttachFeatures(Refused, Refused, () => false, Refused, Refused, Refused);
        Assert.Equal(AttachMechanism.SocketOption, AttachSupport.Choose(AttachKind.SocketFilter, features));
        Assert.Equal(AttachMechanism.RawTracepointOpen, AttachSupport.Choose(AttachKind.RawTracepoint, features));
        Assert.Throws<BpfAttachNotSupportedException>(() => AttachSupport.Choose(AttachKind.Kprobe, features));
        Assert.Throws<InvalidOperationException>(() => AttachSupport.Choose(AttachKind.Tracepoint, features));
    }

    [Theory]
    [InlineData("config:0", 0)]
    [InlineData("config:32-63", 32)]
    [InlineData("config1:0", null)]
    [InlineData("config:64", null)]
    [InlineData("config:x", null)]
    public void Pmu_format_fields_give_their_first_bit(string format, int? bit) =>
        Assert.Equal(bit, ProbePmu.ParseFormatShift(format));
}
