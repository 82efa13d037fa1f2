using ManagedBpf.Kernel;

namespace ManagedBpf.Programs;

/// <summary>
/// A program attached to something: an <see cref="IDisposable"/> kernel object. Disposing detaches the
/// program and closes every descriptor the attachment holds, unless a bpf_link was pinned, in which case
/// the pin keeps the attachment alive (as with libbpf's <c>bpf_link__destroy</c>). Attachments made
/// through a bpf_link (<see cref="Handle"/> is set) can be pinned, reopened and queried; older mechanisms
/// (PERF_EVENT_IOC_SET_BPF, BPF_PROG_ATTACH, SO_ATTACH_BPF) cannot.
/// </summary>
public abstract class Link : IDisposable
{
    private protected Link(SafeFdHandle? handle, AttachMechanism mechanism, string description)
    {
        Handle = handle;
        Mechanism = mechanism;
        Description = description;
    }

    /// <summary>The bpf_link descriptor, or null when the mechanism creates none.</summary>
    public SafeFdHandle? Handle { get; }

    /// <summary>How the program was attached.</summary>
    public AttachMechanism Mechanism { get; }

    /// <summary>What is attached to what, e.g. <c>program 'count' (TRACEPOINT) on tracepoint syscalls/sys_enter_getppid</c>.</summary>
    public string Description { get; }

    /// <summary>Where <see cref="Pin"/> pinned the link, or null.</summary>
    public string? PinPath { get; private set; }

    /// <summary>Pins the bpf_link at <paramref name="path"/> on a bpffs: the attachment then outlives this object and the process.</summary>
    /// <exception cref="NotSupportedException">The mechanism created no bpf_link.</exception>
    public void Pin(string path)
    {
        Bpf.ObjPin(RequireHandle("pinned"), path);
        PinPath = path;
    }

    /// <summary>Removes the pin made by <see cref="Pin"/>; the attachment then ends with the last descriptor.</summary>
    public void Unpin()
    {
        if (PinPath is null)
            return;
        File.Delete(PinPath);
        PinPath = null;
    }

    /// <summary>What the kernel reports about the link (BPF_OBJ_GET_INFO_BY_FD, <c>struct bpf_link_info</c>).</summary>
    /// <exception cref="NotSupportedException">The mechanism created no bpf_link.</exception>
    public LinkInfo GetInfo() => LinkInfo.Read(RequireHandle("queried"), Description);

    /// <summary>
    /// Detaches the program now, even while the link is pinned or its descriptor is shared (BPF_LINK_DETACH,
    /// 5.9+); the object stays valid but inert until disposed. The kernel implements this for cgroup, netns,
    /// XDP, tcx, netkit and sockmap links; others (perf event, raw tracepoint, tracing) answer EOPNOTSUPP
    /// and end only when their last descriptor and pin go. Attachments without a bpf_link undo themselves
    /// (BPF_PROG_DETACH, SO_DETACH_BPF, closing the perf event).
    /// </summary>
    public virtual void Detach() => BpfLinkCommands.Detach(RequireHandle("detached"), Description);

    /// <summary>Detaches (unless pinned) and closes every descriptor.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc/>
    public override string ToString() => Description;

    /// <summary>Releases the attachment's kernel objects; SafeHandles finalize themselves, so only <paramref name="disposing"/> does anything.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
            Handle?.Dispose();
    }

    private protected SafeFdHandle RequireHandle(string action) => Handle ?? throw new NotSupportedException(
        $"{Description} is attached through {Mechanism}, which creates no bpf_link, so it cannot be {action}.");
}
