using System.Globalization;
using ManagedBpf.Kernel;
using ManagedBpf.Kernel.Perf;

namespace ManagedBpf.Programs;

public sealed partial class Program
{
    /// <summary>
    /// Attaches a TRACEPOINT program to <c>&lt;category&gt;/&lt;name&gt;</c> (libbpf's <c>bpf_program__attach_tracepoint</c>):
    /// the event id from tracefs <c>events/&lt;category&gt;/&lt;name&gt;/id</c>, a perf event of type PERF_TYPE_TRACEPOINT,
    /// then a perf link or PERF_EVENT_IOC_SET_BPF. The program runs for every process on every CPU.
    /// </summary>
    /// <exception cref="ArgumentException">tracefs has no such tracepoint.</exception>
    /// <exception cref="DirectoryNotFoundException">tracefs is not mounted.</exception>
    /// <exception cref="UnauthorizedAccessException">
    /// The process may not read tracefs (root's alone by default, whatever capabilities it has); the message says how to grant it.
    /// </exception>
    /// <exception cref="BpfSyscallException">perf_event_open or the attachment failed.</exception>
    public PerfEventLink AttachTracepoint(string category, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(category);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var mechanism = AttachSupport.Require(AttachKind.Tracepoint);
        var attr = new PerfEventAttr { type = PerfConstants.PERF_TYPE_TRACEPOINT, config = TracepointId(category, name) };
        // pid -1 with cpu 0, as libbpf: a tracepoint's programs run on every CPU whatever CPU the event names.
        return PerfEventAttach.Attach(this, mechanism, ref attr, pid: -1, cpu: 0, cookie: 0, $"{this} on tracepoint {category}/{name}");
    }

    /// <summary>The id tracefs gives <c>&lt;category&gt;/&lt;name&gt;</c>.</summary>
    internal static ulong TracepointId(string category, string name)
    {
        var path = Path.Combine(KernelFileSystems.RequireTraceFs(), "events", category, name, "id");
        try
        {
            return ulong.Parse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ArgumentException($"The kernel has no tracepoint {category}/{name} ({path} does not exist; tracefs available_events lists them).", nameof(name), e);
        }
        catch (UnauthorizedAccessException e)
        {
            // CAP_BPF and CAP_PERFMON let a process load and attach the program, but the event id lives in tracefs,
            // whose files only root may read unless it is mounted for a group.
            throw new UnauthorizedAccessException(
                $"Attaching tracepoint {category}/{name} needs its id from tracefs, and reading {path} was denied: tracefs is root's alone "
                + "unless mounted for a group (mount -o remount,gid=GID /sys/kernel/tracing, as root, with a group this user is in). "
                + "Run as root, grant that, or use a tp_btf/ or raw_tp/ program, which attaches with CAP_BPF and CAP_PERFMON alone.", e);
        }
    }
}
