namespace ManagedBpf.Buffers.Perf;

/// <summary>Sums <see cref="PerfReadResult"/>s: over the CPUs of one call, or over a buffer's life.</summary>
internal static class PerfReadTotals
{
    /// <summary>Adds <paramref name="result"/> to <paramref name="totals"/> (and its consumed bytes to <paramref name="consumed"/>).</summary>
    internal static void Add(ref PerfReadCounters totals, ref ulong consumed, in PerfReadResult result) =>
        Add(ref totals, ref consumed, in result.Counters, result.ConsumedBytes);

    /// <summary>Adds the tallies <paramref name="add"/> (and <paramref name="addConsumed"/>) to <paramref name="totals"/> (and <paramref name="consumed"/>).</summary>
    internal static void Add(ref PerfReadCounters totals, ref ulong consumed, in PerfReadCounters add, ulong addConsumed)
    {
        totals.Samples += add.Samples;
        totals.SampleBytes += add.SampleBytes;
        totals.LostRecords += add.LostRecords;
        totals.Lost += add.Lost;
        totals.OversizedSamples += add.OversizedSamples;
        totals.CorruptedRecords += add.CorruptedRecords;
        totals.SkippedRecords += add.SkippedRecords;
        totals.DroppedBytes += add.DroppedBytes;
        totals.PositionErrors += add.PositionErrors;
        totals.CorruptedBytes += add.CorruptedBytes;
        consumed += addConsumed;
    }

    /// <summary>
    /// The records a read did not deliver because the ring broke the ABI: oversized samples, records their spill
    /// reached, and one for each batch dropped after an impossible header or impossible positions.
    /// </summary>
    internal static long CorruptedCount(this in PerfReadResult result) =>
        result.OversizedSamples + result.CorruptedRecords + result.PositionErrors + (result.DroppedBytes != 0 ? 1 : 0);

    internal static PerfReadResult ToResult(in PerfReadCounters totals, ulong consumed, bool stopped) => new(totals, consumed, stopped);
}
