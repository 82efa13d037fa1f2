using ManagedBpf.Kernel;

namespace ManagedBpf.Programs;

/// <summary>
/// A program attached to a perf event: a tracepoint, kprobe or uprobe event, or a counter on one CPU.
/// With a perf link (5.15+) <see cref="Link.Handle"/> is a pinnable bpf_link that holds the event; with
/// PERF_EVENT_IOC_SET_BPF the program stays attached exactly as long as the event is open.
/// </summary>
public sealed class PerfEventLink : Link
{
    internal PerfEventLink(SafeFdHandle perfEvent, SafeFdHandle? link, AttachMechanism mechanism, string description)
        : base(link, mechanism, description) => PerfEvent = perfEvent;

    /// <summary>The perf event's descriptor.</summary>
    public SafeFdHandle PerfEvent { get; }

    /// <summary>With SET_BPF, closes the perf event (the kernel detaches the program when the event goes); else BPF_LINK_DETACH.</summary>
    public override void Detach()
    {
        if (Handle is null)
            PerfEvent.Dispose();
        else
            base.Detach();
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        // The link first, as libbpf does: closing it releases its reference on the event, then the event goes.
        base.Dispose(disposing);
        if (disposing)
            PerfEvent.Dispose();
    }
}
