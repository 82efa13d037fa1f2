using ManagedBpf.Kernel;
using ManagedBpf.Kernel.Abi;
using ManagedBpf.Kernel.Perf;

namespace ManagedBpf.Programs;

/// <summary>
/// The attachment every perf-event-based kind shares (tracepoints, kprobes, uprobes, counters): open the
/// event, attach the program with a perf link or PERF_EVENT_IOC_SET_BPF as the kernel allows, enable it.
/// </summary>
internal static class PerfEventAttach
{
    /// <summary>
    /// Opens the event described by <paramref name="attr"/> on <paramref name="pid"/>/<paramref name="cpu"/> and attaches
    /// <paramref name="program"/>; <paramref name="cookie"/> is what <c>bpf_get_attach_cookie()</c> returns (perf links only).
    /// </summary>
    internal static PerfEventLink Attach(Program program, AttachMechanism mechanism, ref PerfEventAttr attr, int pid, int cpu, ulong cookie, string description)
    {
        if (cookie != 0 && mechanism != AttachMechanism.PerfEventLink)
            throw new NotSupportedException($"{description}: a BPF cookie needs a perf link (BPF_LINK_CREATE with BPF_PERF_EVENT, 5.15+), which this kernel lacks.");
        var perfEvent = PerfEvent.Open(ref attr, pid, cpu, description);
        SafeFdHandle? link = null;
        try
        {
            if (mechanism == AttachMechanism.PerfEventLink)
            {
                using var lease = perfEvent.Borrow();
                // link_create.perf_event.bpf_cookie sits at offset 16.
                var create = new LinkCreateAttr { target_fd = (uint)lease.Fd, attach_type = (uint)BpfAttachType.PERF_EVENT, extra0 = cookie };
                link = BpfLinkCommands.Create(program, ref create, description);
            }
            else
            {
                PerfEvent.SetBpf(perfEvent, program.Handle); // borrows both descriptors itself
            }
            PerfEvent.Enable(perfEvent);
            return new PerfEventLink(perfEvent, link, mechanism, description);
        }
        catch
        {
            link?.Dispose();
            perfEvent.Dispose();
            throw;
        }
    }
}
