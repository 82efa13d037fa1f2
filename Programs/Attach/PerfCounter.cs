using ManagedBpf.Kernel.Perf;

namespace ManagedBpf.Programs;

/// <summary>A perf counter: <c>perf_event_attr.type</c> and <c>config</c>. Software counters work everywhere; hardware ones need a PMU (often absent in VMs).</summary>
/// <param name="Type">PERF_TYPE_HARDWARE (0), PERF_TYPE_SOFTWARE (1), or a dynamic PMU's type.</param>
/// <param name="Config">The counter within the type, e.g. PERF_COUNT_SW_CPU_CLOCK (0).</param>
public readonly record struct PerfCounter(uint Type, ulong Config)
{
    /// <summary>PERF_COUNT_SW_CPU_CLOCK: a per-CPU high-resolution timer, counting nanoseconds; fires on idle CPUs too.</summary>
    public static PerfCounter CpuClock => new(PerfConstants.PERF_TYPE_SOFTWARE, PerfConstants.PERF_COUNT_SW_CPU_CLOCK);

    /// <summary>PERF_COUNT_SW_TASK_CLOCK: time the monitored task runs, in nanoseconds.</summary>
    public static PerfCounter TaskClock => new(PerfConstants.PERF_TYPE_SOFTWARE, 1);

    /// <summary>PERF_COUNT_HW_CPU_CYCLES.</summary>
    public static PerfCounter CpuCycles => new(PerfConstants.PERF_TYPE_HARDWARE, 0);

    /// <summary>PERF_COUNT_HW_INSTRUCTIONS.</summary>
    public static PerfCounter Instructions => new(PerfConstants.PERF_TYPE_HARDWARE, 1);
}
