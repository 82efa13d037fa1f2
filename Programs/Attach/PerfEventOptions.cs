namespace ManagedBpf.Programs;

/// <summary>
/// Which counter a <c>perf_event</c> program samples, how often, and where. Give exactly one of
/// <see cref="SamplePeriod"/> (every N counts; for the clocks, nanoseconds) or <see cref="SampleFrequency"/>
/// (about N samples a second; the kernel adapts the period).
/// </summary>
public sealed record PerfEventOptions
{
    /// <summary>The counter; <see cref="PerfCounter.CpuClock"/> by default.</summary>
    public PerfCounter Counter { get; init; } = PerfCounter.CpuClock;

    /// <summary>Run the program every this many counts, or 0.</summary>
    public ulong SamplePeriod { get; init; }

    /// <summary>Run the program about this many times a second, or 0.</summary>
    public ulong SampleFrequency { get; init; }

    /// <summary>The CPUs to sample on; null means every online CPU (or any CPU the process runs on, with <see cref="ProcessId"/>).</summary>
    public IReadOnlyList<int>? Cpus { get; init; }

    /// <summary>Only count while this process runs; -1 (the default) counts everything on the CPUs.</summary>
    public int ProcessId { get; init; } = -1;
}
