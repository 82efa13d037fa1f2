using ManagedBpf.Kernel;
using ManagedBpf.Kernel.Abi;

namespace ManagedBpf.Programs;

/// <summary>The bpf(2) commands that make, detach and read links, with hints for what their errnos mean here.</summary>
internal static class BpfLinkCommands
{
    /// <summary>BPF_LINK_CREATE. <paramref name="attr"/> carries the target and attach-type-specific slots; the program is filled in.</summary>
    internal static SafeFdHandle Create(Program program, ref LinkCreateAttr attr, string subject) =>
        TryCreate(program, ref attr, out var errno)
        ?? throw Bpf.Error(BpfCommand.LINK_CREATE, errno, subject, CreateHint(errno, (BpfAttachType)attr.attach_type));

    /// <summary>Tries BPF_LINK_CREATE, returning the errno instead of throwing (for fallbacks).</summary>
    internal static SafeFdHandle? TryCreate(Program program, ref LinkCreateAttr attr, out Errno errno)
    {
        using var lease = program.Handle.Borrow();
        attr.prog_fd = (uint)lease.Fd;
        var fd = Bpf.Syscall(BpfCommand.LINK_CREATE, ref attr, out errno);
        return fd < 0 ? null : new SafeFdHandle(fd, ownsHandle: true);
    }

    /// <summary>BPF_RAW_TRACEPOINT_OPEN: by name for raw tracepoints, with a null name for programs that carry their BTF target.</summary>
    internal static unsafe SafeFdHandle RawTracepointOpen(Program program, string? name, string subject)
    {
        var bytes = name is null ? null : Bpf.NulTerminated(name);
        fixed (byte* pName = bytes)
        {
            using var lease = program.Handle.Borrow();
            var attr = new RawTracepointOpenAttr { name = (ulong)pName, prog_fd = (uint)lease.Fd };
            var fd = Bpf.Syscall(BpfCommand.RAW_TRACEPOINT_OPEN, ref attr, out var errno);
            if (fd < 0)
            {
                throw Bpf.Error(BpfCommand.RAW_TRACEPOINT_OPEN, errno, subject, errno switch
                {
                    Errno.ENOENT => $"The kernel has no raw tracepoint '{name}' (see /sys/kernel/tracing/available_events for the names).",
                    Errno.EINVAL => "The program type cannot attach to a raw tracepoint this way (raw_tp needs RAW_TRACEPOINT, tp_btf a TRACING program loaded with its BTF target).",
                    _ => null,
                });
            }
            return new SafeFdHandle(fd, ownsHandle: true);
        }
    }

    /// <summary>BPF_LINK_DETACH.</summary>
    internal static void Detach(SafeFdHandle link, string subject)
    {
        using var lease = link.Borrow();
        var attr = new LinkDetachAttr { link_fd = (uint)lease.Fd };
        if (Bpf.Syscall(BpfCommand.LINK_DETACH, ref attr, out var errno) < 0)
        {
            throw Bpf.Error(BpfCommand.LINK_DETACH, errno, subject, errno is Errno.EOPNOTSUPP or Errno.ENOTSUPP or Errno.EINVAL
                ? "This kind of link cannot be detached while it exists: dispose it and remove its pin instead."
                : null);
        }
    }

    /// <summary>BPF_ITER_CREATE: a new read-only descriptor that runs the iterator from the start.</summary>
    internal static SafeFdHandle IterCreate(SafeFdHandle link, string subject)
    {
        using var lease = link.Borrow();
        var attr = new IterCreateAttr { link_fd = (uint)lease.Fd };
        return Bpf.CreateFd(BpfCommand.ITER_CREATE, ref attr, subject);
    }

    /// <summary>What a BPF_LINK_CREATE errno means for the attach type that was asked for.</summary>
    internal static string? CreateHint(Errno errno, BpfAttachType attachType) => errno switch
    {
        Errno.EPERM => BpfErrorHints.Privileges(BpfCommand.LINK_CREATE),
        Errno.EINVAL => $"The kernel refused attach type {attachType} for this program: the program type or its expected attach type does not match, the flags are wrong, or this kernel predates that link type.",
        Errno.EEXIST => attachType == BpfAttachType.PERF_EVENT
            ? "This program is already attached to that event: a tracepoint, kprobe or uprobe runs each program once."
            : "A program is already attached there and the attachment may not replace it.",
        Errno.EBUSY => attachType == BpfAttachType.XDP
            ? "An XDP program is already attached to that interface in that mode (one per interface and mode): dispose or detach its link first."
            : "The hook is held by another attachment (e.g. a cgroup program attached without BPF_F_ALLOW_MULTI).",
        Errno.ENODEV => "No such network interface in this thread's network namespace.",
        Errno.EBADF => "The target descriptor is not open, or is not the kind of object this attach type needs.",
        Errno.EOPNOTSUPP or Errno.ENOTSUPP => attachType == BpfAttachType.XDP
            ? "The driver does not support this XDP mode: use generic (SKB) mode, or native mode on a driver that has it."
            : "This kernel or target does not support the attachment.",
        _ => null,
    };
}
