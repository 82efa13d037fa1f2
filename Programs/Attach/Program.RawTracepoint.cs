using ManagedBpf.Kernel;
using ManagedBpf.Kernel.Abi;

namespace ManagedBpf.Programs;

public sealed partial class Program
{
    /// <summary>Attaches a RAW_TRACEPOINT program to the raw tracepoint <paramref name="name"/> (BPF_RAW_TRACEPOINT_OPEN), e.g. <c>sched_switch</c>.</summary>
    /// <exception cref="BpfSyscallException">ENOENT: no such raw tracepoint.</exception>
    public BpfLink AttachRawTracepoint(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var mechanism = AttachSupport.Require(AttachKind.RawTracepoint);
        var description = $"{this} on raw tracepoint {name}";
        return new BpfLink(BpfLinkCommands.RawTracepointOpen(this, name, description), mechanism, description);
    }

    /// <summary>
    /// Attaches a program whose target was fixed at load time by BTF id: <c>tp_btf</c>, <c>fentry</c>,
    /// <c>fexit</c>, <c>fmod_ret</c>, <c>lsm</c> and <c>freplace</c> (libbpf's <c>bpf_program__attach_trace</c> and
    /// <c>attach_lsm</c>). BPF_LINK_CREATE with the program's expected attach type, falling back to
    /// BPF_RAW_TRACEPOINT_OPEN with no name on kernels whose LINK_CREATE does not take it (EINVAL), as libbpf does.
    /// </summary>
    /// <exception cref="BpfAttachNotSupportedException">fentry, fexit, fmod_ret, lsm or freplace on a kernel without BPF trampolines.</exception>
    public BpfLink AttachTracing()
    {
        var kind = TracingKind(Type, ExpectedAttachType);
        var mechanism = AttachSupport.Require(kind);
        var description = $"{this} as {kind}";
        if (mechanism == AttachMechanism.BpfLink)
        {
            var attr = new LinkCreateAttr { attach_type = (uint)ExpectedAttachType };
            var link = BpfLinkCommands.TryCreate(this, ref attr, out var errno);
            if (link is not null)
                return new BpfLink(link, mechanism, description);
            if (errno != Errno.EINVAL)
                throw Bpf.Error(BpfCommand.LINK_CREATE, errno, description, BpfLinkCommands.CreateHint(errno, ExpectedAttachType));
        }
        return new BpfLink(BpfLinkCommands.RawTracepointOpen(this, null, description), AttachMechanism.RawTracepointOpen, description);
    }

    /// <summary>The attach kind of a program attached by its BTF target.</summary>
    internal static AttachKind TracingKind(BpfProgType type, BpfAttachType attachType) => (type, attachType) switch
    {
        (BpfProgType.TRACING, BpfAttachType.TRACE_RAW_TP) => AttachKind.TpBtf,
        (BpfProgType.TRACING, BpfAttachType.TRACE_FENTRY) => AttachKind.Fentry,
        (BpfProgType.TRACING, BpfAttachType.TRACE_FEXIT) => AttachKind.Fexit,
        (BpfProgType.TRACING, BpfAttachType.MODIFY_RETURN) => AttachKind.FmodRet,
        (BpfProgType.LSM, _) => AttachKind.Lsm,
        (BpfProgType.EXT, _) => AttachKind.Freplace,
        _ => throw new InvalidOperationException(
            $"AttachTracing takes tp_btf, fentry, fexit, fmod_ret, lsm and freplace programs; this one is {type} with attach type {attachType}."),
    };
}
