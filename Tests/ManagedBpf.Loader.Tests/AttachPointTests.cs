using ManagedBpf.TestSupport;

namespace ManagedBpf.Loader.Tests;

/// <summary>
/// <see cref="ObjectSpec.FindMissingAttachPoint"/>: what libbpf-tools ask before they pick one of an object's
/// alternative programs, answered for this kernel (tracefs mounted, uprobe and tracepoint PMUs, no kprobe PMU, no BPF
/// trampolines).
/// </summary>
public sealed class AttachPointTests
{
    private static ObjectSpec Open(string fixture) => ObjectSpec.Open(Path.Combine(Fixtures.Directory, fixture + ".bpf.o"));

    [KernelFact]
    public void A_tracepoint_this_kernel_lacks_is_named()
    {
        var spec = Open("run_targets");
        Assert.Equal("the kernel has no tracepoint 'syscalls/sys_enter_sync_file_range2' (no events/syscalls/sys_enter_sync_file_range2 in tracefs)",
            spec.FindMissingAttachPoint(spec.Program("on_missing")));
        Assert.Null(spec.FindMissingAttachPoint(spec.Program("on_sample")));
        Assert.Null(spec.FindMissingAttachPoint(spec.Program("on_call")));
    }

    [KernelFact]
    public void Kinds_this_kernel_cannot_attach_say_not_supported_by_this_kernel()
    {
        var fentry = Open("fentry");
        Assert.All(fentry.Programs, p => Assert.Contains("not supported by this kernel", fentry.FindMissingAttachPoint(p)));
        var probes = Open("probes");
        Assert.Contains("not supported by this kernel", probes.FindMissingAttachPoint(probes.Programs.First(p => p.Section?.Kind == "kprobe")));
    }

    [KernelFact]
    public void Btf_targets_are_looked_up_in_the_kernels_BTF()
    {
        var spec = Open("tracing");
        var tpBtf = spec.Programs.First(p => p.Section?.Kind == "tp_btf");
        Assert.Null(spec.FindMissingAttachPoint(tpBtf));
        Assert.Null(spec.FindMissingAttachPoint(spec.Programs.First(p => p.Section?.Kind == "raw_tp")));

        var other = Open("tracing");
        var renamed = other.Programs.First(p => p.Section?.Kind == "tp_btf");
        var empty = Btf.BtfSpec.Parse(TestBtf.Small()); // int and a struct: no btf_trace_ typedef
        Assert.Equal("the kernel's BTF has no TYPEDEF 'btf_trace_sched_switch' to attach to", other.FindMissingAttachPoint(renamed, empty));
        Assert.Throws<ArgumentException>(() => other.FindMissingAttachPoint(tpBtf));
    }
}
