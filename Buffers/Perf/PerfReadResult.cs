namespace ManagedBpf.Buffers.Perf;

/// <summary>What one read of a perf ring did. Every record between <c>data_tail</c> and <c>data_head</c> lands in exactly one counter.</summary>
public readonly struct PerfReadResult
{
    internal PerfReadResult(in PerfReadCounters counters, ulong consumedBytes, bool stopped)
    {
        // Field by field: the reader has just stored each tally on its own, and a block copy would load them in wider
        // words, which wait for those stores to retire (no store-to-load forwarding): ~5 ns a read, measured.
        Counters.Samples = counters.Samples;
        Counters.SampleBytes = counters.SampleBytes;
        Counters.LostRecords = counters.LostRecords;
        Counters.Lost = counters.Lost;
        Counters.OversizedSamples = counters.OversizedSamples;
        Counters.CorruptedRecords = counters.CorruptedRecords;
        Counters.SkippedRecords = counters.SkippedRecords;
        Counters.DroppedBytes = counters.DroppedBytes;
        Counters.PositionErrors = counters.PositionErrors;
        Counters.CorruptedBytes = counters.CorruptedBytes;
        ConsumedBytes = consumedBytes;
        Stopped = stopped;
    }

    /// <summary>The tallies, as the reader kept them.</summary>
    internal readonly PerfReadCounters Counters;

    /// <summary>Well-formed samples delivered to the handler.</summary>
    public long Samples => Counters.Samples;

    /// <summary>Raw bytes of the delivered samples (padding included).</summary>
    public long SampleBytes => Counters.SampleBytes;

    /// <summary><c>PERF_RECORD_LOST</c> records read.</summary>
    public long LostRecords => Counters.LostRecords;

    /// <summary>The sum of their counts: records the kernel dropped for lack of room.</summary>
    public ulong Lost => Counters.Lost;

    /// <summary>Samples of 64 KiB or more, truncated by the kernel, reported and not delivered.</summary>
    public long OversizedSamples => Counters.OversizedSamples;

    /// <summary>
    /// Records an oversized sample's spill can have overwritten, reported and not delivered. They are counted as the
    /// walk reads them now: a spill can make a few real records read as many small ones, or the reverse.
    /// </summary>
    public long CorruptedRecords => Counters.CorruptedRecords;

    /// <summary>Records of other kernel types, skipped by their size.</summary>
    public long SkippedRecords => Counters.SkippedRecords;

    /// <summary>Bytes dropped after an impossible header, up to <c>data_head</c> (also counted in <see cref="CorruptedBytes"/>).</summary>
    public ulong DroppedBytes => Counters.DroppedBytes;

    /// <summary>1 when <c>data_head</c> and <c>data_tail</c> were impossible and the reader skipped to the head, else 0.</summary>
    public long PositionErrors => Counters.PositionErrors;

    /// <summary>
    /// Bytes the reader discarded because the ring broke the ABI, each covered by exactly one report (the sum of the
    /// reports' <see cref="PerfCorruption.ByteCount"/>): oversized samples' <c>header.size</c>, the bytes their spill
    /// reached, batches dropped after an impossible header (<see cref="DroppedBytes"/>), and what impossible positions
    /// made the reader skip.
    /// </summary>
    /// <remarks>
    /// Every byte the tail moves over is delivered, lost-record, skipped or corrupted: <see cref="ConsumedBytes"/> =
    /// <see cref="Samples"/> × prefix + <see cref="SampleBytes"/> + the bytes of the <c>PERF_RECORD_LOST</c> and skipped
    /// records (24 per lost record for the events <see cref="PerfBuffer"/> opens) + <see cref="CorruptedBytes"/>.
    /// Only impossible positions break it: the tail then moves to <c>data_head</c> however far that is, and at most
    /// one ring's size is counted.
    /// </remarks>
    public ulong CorruptedBytes => Counters.CorruptedBytes;

    /// <summary>How far <c>data_tail</c> advanced.</summary>
    public ulong ConsumedBytes { get; }

    /// <summary>Whether the handler stopped the read before <c>data_head</c>.</summary>
    public bool Stopped { get; }

    /// <inheritdoc/>
    public override string ToString() => Invariant.Format(
        $"{Samples} samples ({SampleBytes} bytes), {Lost} lost in {LostRecords} records, {OversizedSamples} oversized, {CorruptedRecords} corrupted, {SkippedRecords} skipped, {DroppedBytes} bytes dropped, {CorruptedBytes} corrupted bytes in all, tail advanced {ConsumedBytes} bytes{(Stopped ? ", stopped by the handler" : "")}");
}
