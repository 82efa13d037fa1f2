namespace ManagedBpf.Buffers.Perf;

/// <summary>
/// The mutable tallies of one read, frozen into a <see cref="PerfReadResult"/>. Its constructor copies them one field at
/// a time (see there why), and <see cref="PerfReadTotals"/> adds them one by one: a new field goes into both.
/// </summary>
internal struct PerfReadCounters
{
    internal long Samples;
    internal long SampleBytes;
    internal long LostRecords;
    internal ulong Lost;
    internal long OversizedSamples;
    internal long CorruptedRecords;
    internal long SkippedRecords;
    internal ulong DroppedBytes;
    internal long PositionErrors;
    internal ulong CorruptedBytes;
}
