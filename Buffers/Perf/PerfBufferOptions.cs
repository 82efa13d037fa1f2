namespace ManagedBpf.Buffers.Perf;

/// <summary>How a <see cref="PerfBuffer"/> opens its per-CPU events and rings.</summary>
public sealed record PerfBufferOptions
{
    /// <summary>
    /// Data pages per CPU: a power of two (the kernel maps one metadata page plus 2^n data pages). The default, 64,
    /// gives 256 KiB rings with 4 KiB pages, room for several samples of the largest safe size.
    /// </summary>
    public int PageCount { get; init; } = 64;

    /// <summary>The sample layout: <c>PERF_SAMPLE_RAW</c> (the default, as libbpf), or with <c>PERF_SAMPLE_TIME</c>.</summary>
    public PerfSampleLayout Layout { get; init; } = PerfSampleLayout.Raw;

    /// <summary>
    /// <c>wakeup_events</c>: wake the reader after this many samples (default 1, as libbpf). Ignored when
    /// <see cref="WakeupWatermark"/> is set.
    /// </summary>
    public uint WakeupEvents { get; init; } = 1;

    /// <summary>
    /// <c>wakeup_watermark</c>: when not 0, wake the reader once this many bytes are unread instead of counting
    /// samples (the <c>watermark</c> bit). Must be less than the ring's data size.
    /// </summary>
    public uint WakeupWatermark { get; init; }
}
