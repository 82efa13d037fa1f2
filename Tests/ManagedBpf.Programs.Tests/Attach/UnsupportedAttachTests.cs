using ManagedBpf.Loader;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Programs.Tests;

/// <summary>
/// This kernel has no kprobes (CONFIG_KPROBES off, no kprobe PMU) and no BPF trampolines: kprobe,
/// kretprobe, ksyscall, fentry, fexit, fmod_ret, lsm and freplace fail with a message that says "not
/// supported by this kernel" and names what is missing, before any descriptor is opened.
/// </summary>
public sealed class UnsupportedAttachTests
{
    [KernelFact]
    public void This_kernel_lacks_kprobes_and_trampolines()
    {
        var features = KernelAttachFeatures.Current;
        Assert.False(features.KprobePmu);
        Assert.False(features.Trampolines);
        Assert.True(features.BpfLink && features.PerfLink && features.UprobePmu && features.Tcx);
    }

    [KernelFact]
    public void Kprobe_kretprobe_and_ksyscall_name_the_missing_kprobe_pmu()
    {
        using var collection = ObjectSpec.Open(Fixture.PathOf("probes")).Load(); // KPROBE programs load without kprobes
        var kprobe = collection.Program("kprobe_unlinkat");
        var kretprobe = collection.Program("kretprobe_unlinkat");
        AssertKprobesMissing(Assert.Throws<BpfAttachNotSupportedException>(() => kprobe.AttachKprobe("do_unlinkat")), AttachKind.Kprobe);
        AssertKprobesMissing(Assert.Throws<BpfAttachNotSupportedException>(() => kretprobe.AttachKprobe("do_unlinkat", new KprobeOptions { Retprobe = true })), AttachKind.Kretprobe);
        AssertKprobesMissing(Assert.Throws<BpfAttachNotSupportedException>(() => kprobe.AttachKsyscall("unlinkat")), AttachKind.Ksyscall);
    }

    [KernelFact]
    public void Auto_attaching_a_kprobe_section_fails_the_same_way()
    {
        using var collection = ObjectSpec.Open(Fixture.PathOf("probes")).Load();
        var e = Assert.Throws<BpfAttachNotSupportedException>(() =>
            AutoAttach.Attach(new AutoAttachRequest(collection.Program("kprobe_unlinkat"), "kprobe", "do_unlinkat")));
        AssertKprobesMissing(e, AttachKind.Kprobe);
    }

    [KernelFact]
    public void Loading_fentry_programs_names_the_missing_trampolines()
    {
        // fentry.bpf.o: the kernel answers EPERM to the program load, which would read as a privilege problem.
        var e = Assert.Throws<BpfAttachNotSupportedException>(() => ObjectSpec.Open(Fixture.PathOf("fentry")).Load());
        Assert.Equal(AttachKind.Fentry, e.Kind);
        Assert.Contains("not supported by this kernel", e.Message);
        Assert.Contains("no BPF trampolines", e.Message);
        Assert.Equal(Kernel.Errno.EPERM, Assert.IsType<Kernel.BpfSyscallException>(e.InnerException).Errno);
    }

    [KernelTheory]
    [InlineData(AttachKind.Fentry)]
    [InlineData(AttachKind.Fexit)]
    [InlineData(AttachKind.FmodRet)]
    [InlineData(AttachKind.Lsm)]
    [InlineData(AttachKind.Freplace)]
    public void Trampoline_kinds_name_the_missing_trampolines(AttachKind kind)
    {
        var e = Assert.Throws<BpfAttachNotSupportedException>(() => AttachSupport.Require(kind));
        Assert.Equal($"{kind} attachment is not supported by this kernel: {AttachSupport.NoTrampolines}", e.Message);
    }

    private static void AssertKprobesMissing(BpfAttachNotSupportedException e, AttachKind kind)
    {
        Assert.Equal(kind, e.Kind);
        Assert.Contains("not supported by this kernel", e.Message);
        Assert.Contains("no kprobe PMU", e.Message);
        Assert.Contains("CONFIG_KPROBES", e.Message);
    }
}
