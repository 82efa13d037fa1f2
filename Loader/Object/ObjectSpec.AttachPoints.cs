using ManagedBpf.Kernel;
using ManagedBpf.Loader.Btf;
using ManagedBpf.Programs;

namespace ManagedBpf.Loader;

public sealed partial class ObjectSpec
{
    /// <summary>
    /// Why the running kernel cannot load or attach <paramref name="program"/> where its section says, or null when
    /// nothing is known to be missing. These are the questions libbpf-tools ask (<c>fentry_can_attach</c>,
    /// <c>tracepoint_exists</c>, <c>kprobe_exists</c>) before turning off the <see cref="ObjectProgram.Autoload"/> of
    /// one of an object's alternative programs: BPF trampolines for fentry, fexit, fmod_ret, lsm and freplace; the
    /// kprobe and uprobe PMUs; a BTF attach target (<c>tp_btf/</c>, <c>fentry/</c>, <c>lsm/</c>, <c>iter/</c>,
    /// <c>raw_tp/</c>) in the kernel's BTF; a tracepoint in tracefs. Nothing is loaded or attached.
    /// </summary>
    /// <param name="program">One of <see cref="Programs"/>.</param>
    /// <param name="kernelBtf">The kernel's BTF; the running kernel's when null (not read when the program needs none).</param>
    /// <returns>The reason, in words, or null.</returns>
    /// <exception cref="ArgumentException"><paramref name="program"/> is not one of this object's.</exception>
    /// <exception cref="IOException">The kernel's BTF is needed and cannot be read (no <c>CONFIG_DEBUG_INFO_BTF</c>).</exception>
    public string? FindMissingAttachPoint(ObjectProgram program, BtfSpec? kernelBtf = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        if (!Programs.Contains(program))
            throw new ArgumentException($"Program '{program.Name}' is not one of '{Name}'.", nameof(program));
        var kind = program.Section?.Kind;
        var target = program.Section?.AttachTarget;
        if (AttachKindOf(program) is { } attachKind)
        {
            try
            {
                AttachSupport.Require(attachKind);
            }
            catch (BpfAttachNotSupportedException e)
            {
                return e.Message;
            }
        }

        if (program.Section is { } section && (section.Definition.Flags & SectionFlags.AttachBtf) != 0 && program.Type != BpfProgType.EXT && target is not null)
        {
            var (name, btfKind) = KernelAttachTarget(program, target);
            return (kernelBtf ?? Loader.Btf.KernelBtf.Default).TryFindType(name, btfKind, out _) ? null : $"the kernel's BTF has no {btfKind} '{name}' to attach to";
        }

        switch (kind)
        {
            case "raw_tracepoint" or "raw_tp" or "raw_tracepoint.w" or "raw_tp.w" when target is not null:
                // Every raw tracepoint has a btf_trace_ typedef in the BTF of a kernel that has BTF.
                var btf = kernelBtf ?? (File.Exists(Loader.Btf.KernelBtf.DefaultPath) ? Loader.Btf.KernelBtf.Default : null);
                return btf is null || btf.TryFindType("btf_trace_" + target, BtfKind.TYPEDEF, out _) ? null : $"the kernel has no raw tracepoint '{target}'";
            case "tracepoint" or "tp" when target is not null && target.IndexOf('/', StringComparison.Ordinal) is > 0 and var slash:
                // Without tracefs nothing can be said here; the attach will say what is missing.
                return KernelFileSystems.TraceFsPath() is not { } tracefs || Directory.Exists(Path.Combine(tracefs, "events", target[..slash], target[(slash + 1)..]))
                    ? null
                    : $"the kernel has no tracepoint '{target}' (no {Path.Combine("events", target)} in tracefs)";
            default:
                return null;
        }
    }

    private static AttachKind? AttachKindOf(ObjectProgram program) => program.Section?.Kind switch
    {
        "kprobe" or "kretprobe" or "ksyscall" or "kretsyscall" => AttachKind.Kprobe,
        "uprobe" or "uprobe.s" or "uretprobe" or "uretprobe.s" or "usdt" or "usdt.s" => AttachKind.Uprobe,
        _ => program.Type switch
        {
            BpfProgType.LSM => AttachKind.Lsm,
            BpfProgType.EXT => AttachKind.Freplace,
            BpfProgType.TRACING => program.ExpectedAttachType switch
            {
                BpfAttachType.TRACE_FENTRY => AttachKind.Fentry,
                BpfAttachType.TRACE_FEXIT => AttachKind.Fexit,
                BpfAttachType.MODIFY_RETURN => AttachKind.FmodRet,
                _ => null,
            },
            _ => null,
        },
    };

    /// <summary>The kernel BTF type an attach-by-BTF program names, with libbpf's prefixes (btf_trace_, bpf_lsm_, bpf_iter_).</summary>
    private static (string Name, BtfKind Kind) KernelAttachTarget(ObjectProgram program, string target) => program.ExpectedAttachType switch
    {
        BpfAttachType.TRACE_RAW_TP => ("btf_trace_" + target, BtfKind.TYPEDEF),
        BpfAttachType.LSM_MAC or BpfAttachType.LSM_CGROUP => ("bpf_lsm_" + target, BtfKind.FUNC),
        BpfAttachType.TRACE_ITER => ("bpf_iter_" + target, BtfKind.FUNC),
        _ => (target, BtfKind.FUNC),
    };
}
