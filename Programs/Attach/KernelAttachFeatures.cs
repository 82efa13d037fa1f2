using ManagedBpf.Kernel;
using ManagedBpf.Kernel.Abi;

namespace ManagedBpf.Programs;

/// <summary>
/// What a kernel offers for attaching programs. <see cref="Current"/> asks the running kernel, each fact
/// on first use (never by version number), so attaching a socket filter probes nothing and a process that
/// may not load tracing programs can still attach the kinds it may. Tests build other combinations to check
/// the choice <see cref="AttachSupport.Choose"/> makes on kernels this machine does not run.
/// </summary>
public sealed class KernelAttachFeatures
{
    private readonly Lazy<bool> _bpfLink;
    private readonly Lazy<bool> _perfLink;
    private readonly Lazy<bool> _kprobePmu;
    private readonly Lazy<bool> _uprobePmu;
    private readonly Lazy<bool> _trampolines;
    private readonly Lazy<bool> _tcx;

    /// <summary>Describes a kernel with the given features.</summary>
    public KernelAttachFeatures(bool bpfLink, bool perfLink, bool kprobePmu, bool uprobePmu, bool trampolines, bool tcx)
        : this(() => bpfLink, () => perfLink, () => kprobePmu, () => uprobePmu, () => trampolines, () => tcx)
    {
    }

    internal KernelAttachFeatures(Func<bool> bpfLink, Func<bool> perfLink, Func<bool> kprobePmu, Func<bool> uprobePmu, Func<bool> trampolines, Func<bool> tcx)
    {
        // PublicationOnly: a probe that failed (EPERM) is asked again next time rather than remembered as failed.
        _bpfLink = new(bpfLink, LazyThreadSafetyMode.PublicationOnly);
        _perfLink = new(perfLink, LazyThreadSafetyMode.PublicationOnly);
        _kprobePmu = new(kprobePmu, LazyThreadSafetyMode.PublicationOnly);
        _uprobePmu = new(uprobePmu, LazyThreadSafetyMode.PublicationOnly);
        _trampolines = new(trampolines, LazyThreadSafetyMode.PublicationOnly);
        _tcx = new(tcx, LazyThreadSafetyMode.PublicationOnly);
    }

    /// <summary>The running kernel, probed lazily.</summary>
    /// <remarks>Reading a fact may throw <see cref="BpfSyscallException"/> (EPERM) when the process may not use bpf(2) for the probe.</remarks>
    public static KernelAttachFeatures Current { get; } = new(
        () => FeatureProbe.HasBpfLink,
        () => FeatureProbe.HasBpfLink && LinkCreateKnows(BpfProgType.TRACEPOINT, BpfAttachType.PERF_EVENT, Errno.EBADF),
        () => FeatureProbe.PmuType("kprobe") is not null,
        () => FeatureProbe.PmuType("uprobe") is not null,
        // FeatureProbe loads TRACING as fentry on BTF id 1: a kernel with trampolines refuses the id in the
        // verifier (with a log); one without refuses the program outright.
        () => FeatureProbe.HasProgramType(BpfProgType.TRACING),
        () => FeatureProbe.HasBpfLink && LinkCreateKnows(BpfProgType.SCHED_CLS, BpfAttachType.TCX_INGRESS, Errno.ENODEV));

    /// <summary>BPF_LINK_CREATE exists (5.7+).</summary>
    public bool BpfLink => _bpfLink.Value;

    /// <summary>BPF_LINK_CREATE accepts BPF_PERF_EVENT (5.15+): perf-event attachments become pinnable links.</summary>
    public bool PerfLink => _perfLink.Value;

    /// <summary>/sys/bus/event_source/devices/kprobe exists (CONFIG_KPROBES and 4.17+).</summary>
    public bool KprobePmu => _kprobePmu.Value;

    /// <summary>/sys/bus/event_source/devices/uprobe exists (CONFIG_UPROBE_EVENTS and 4.17+).</summary>
    public bool UprobePmu => _uprobePmu.Value;

    /// <summary>A TRACING program with an fentry attach type loads: BPF trampolines (fentry, fexit, fmod_ret, lsm, freplace).</summary>
    public bool Trampolines => _trampolines.Value;

    /// <summary>BPF_LINK_CREATE accepts BPF_TCX_INGRESS and BPF_TCX_EGRESS (6.6+).</summary>
    public bool Tcx => _tcx.Value;

    /// <inheritdoc/>
    public override string ToString() =>
        $"bpf_link={BpfLink} perf_link={PerfLink} kprobe_pmu={KprobePmu} uprobe_pmu={UprobePmu} trampolines={Trampolines} tcx={Tcx}";

    /// <summary>
    /// libbpf's way of probing an attach type: create a link from a trivial program to a target that cannot
    /// exist. A kernel that knows the attach type gets as far as looking the target up and answers
    /// <paramref name="knownAnswer"/> (EBADF for fd -1, ENODEV for ifindex 0); one that does not answers EINVAL.
    /// </summary>
    private static bool LinkCreateKnows(BpfProgType type, BpfAttachType attachType, Errno knownAnswer)
    {
        ReadOnlySpan<BpfInstruction> returnZero = [new(0xb7, 0, 0, 0, 0), new(BpfInstruction.Exit, 0, 0, 0, 0)];
        using var program = Program.Load(new ProgramSpec { Name = "probe_link", Type = type, Instructions = returnZero.ToArray() });
        using var lease = program.Handle.Borrow();
        var attr = new LinkCreateAttr
        {
            prog_fd = (uint)lease.Fd,
            target_fd = knownAnswer == Errno.EBADF ? uint.MaxValue : 0,
            attach_type = (uint)attachType,
        };
        var fd = Bpf.Syscall(BpfCommand.LINK_CREATE, ref attr, out var errno);
        if (fd >= 0)
            new SafeFdHandle(fd, ownsHandle: true).Dispose();
        return errno == knownAnswer;
    }
}
