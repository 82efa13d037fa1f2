using ManagedBpf.Kernel;
using ManagedBpf.Kernel.Perf;

namespace ManagedBpf.Programs;

public sealed partial class Program
{
    /// <summary>
    /// Attaches a PERF_EVENT program to a sampling counter: one perf event per CPU (every online CPU unless
    /// <see cref="PerfEventOptions.Cpus"/> says otherwise), each attached with a perf link or
    /// PERF_EVENT_IOC_SET_BPF. The program runs at every sample. The group's members are the per-CPU links.
    /// </summary>
    /// <exception cref="ArgumentException">Not exactly one of period and frequency is set.</exception>
    /// <exception cref="BpfSyscallException">perf_event_open failed on a CPU (ENOENT or EOPNOTSUPP: no such counter here).</exception>
    public LinkGroup AttachPerfEvent(PerfEventOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if ((options.SamplePeriod == 0) == (options.SampleFrequency == 0))
            throw new ArgumentException("Give exactly one of SamplePeriod and SampleFrequency.", nameof(options));
        var mechanism = AttachSupport.Require(AttachKind.PerfEvent);
        var cpus = options.Cpus ?? (options.ProcessId >= 0 ? [-1] : KernelInfo.OnlineCpus());
        var what = $"perf counter {options.Counter.Type}:{options.Counter.Config} " +
            (options.SamplePeriod != 0 ? $"every {options.SamplePeriod}" : $"at {options.SampleFrequency} Hz");
        var links = new List<Link>(cpus.Count);
        try
        {
            foreach (var cpu in cpus)
            {
                var attr = new PerfEventAttr
                {
                    type = options.Counter.Type,
                    config = options.Counter.Config,
                    sample_period = options.SamplePeriod != 0 ? options.SamplePeriod : options.SampleFrequency,
                    flags = options.SampleFrequency != 0 ? PerfConstants.FlagFreq : 0,
                };
                var where = cpu < 0 ? $"pid {options.ProcessId}" : $"cpu {cpu}";
                links.Add(PerfEventAttach.Attach(this, mechanism, ref attr, options.ProcessId, cpu, cookie: 0, $"{this} on {what}, {where}"));
            }
            return new LinkGroup([.. links], mechanism, $"{this} on {what}, {cpus.Count} event(s)");
        }
        catch
        {
            LinkGroup.DisposeAll(links);
            throw;
        }
    }
}
