namespace ManagedBpf.Buffers.Ordering;

/// <summary>The bounds of a <see cref="PerfSampleOrderer"/>'s reordering window.</summary>
/// <remarks>
/// A held sample is released, oldest first, as soon as every CPU has shown a timestamp at least as late as it (so no
/// CPU can still deliver an earlier one), or when one of these bounds is exceeded, or on a flush. A sample released by
/// a bound may be followed by an earlier one from a CPU that was slow to report: such a sample is counted in
/// <see cref="PerfSampleOrderer.LateSamples"/> and released next.
/// </remarks>
public sealed record PerfOrderingOptions
{
    /// <summary>The most samples held at once (default 4,096). Beyond it the oldest is released.</summary>
    public int MaxSamples { get; init; } = 4096;

    /// <summary>The most payload bytes held at once (default 16 MiB). Beyond it the oldest are released.</summary>
    public long MaxBytes { get; init; } = 16L << 20;

    /// <summary>
    /// The longest a sample is held, in timestamp units (nanoseconds of the perf clock): at the end of a pass over the
    /// rings (<see cref="PerfSampleOrderer.ReleaseReady"/>), a held sample more than this older than the newest
    /// timestamp the previous pass had seen is released. 0 releases what the previous pass had passed, as perf's FINISHED_ROUND does; the default,
    /// <see cref="ulong.MaxValue"/>, disables the bound.
    /// </summary>
    public ulong MaxDelay { get; init; } = ulong.MaxValue;
}
