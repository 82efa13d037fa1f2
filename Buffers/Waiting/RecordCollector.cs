using ManagedBpf.Buffers.Perf;
using ManagedBpf.Buffers.Ring;

namespace ManagedBpf.Buffers.Waiting;

/// <summary>
/// Copies records of either kind of ring into a reader's <see cref="PendingRecords"/>, up to its limits, for the
/// asynchronous streams: the copies outlive the drain, so they can be yielded across awaits while the ring is already
/// reused.
/// </summary>
internal struct RecordCollector(PendingRecords pending, PerfLostCallback? onLost, PerfCorruptionCallback? onCorruption)
    : IRingRecordHandler, IPerfRecordHandler
{
    /// <summary>The index of the ring of a set being drained (set by <see cref="RingBufferSet"/> before each ring).</summary>
    public int Source;

    public readonly bool OnRecord(ReadOnlySpan<byte> payload)
    {
        payload.CopyTo(pending.Append(payload.Length, Source));
        return !pending.IsFull;
    }

    public readonly bool OnSample(in PerfSample sample)
    {
        sample.CopyTo(pending.Append(sample.Length, sample.Cpu));
        return !pending.IsFull;
    }

    public readonly void OnLost(int cpu, ulong lost) => onLost?.Invoke(cpu, lost);

    public readonly void OnCorruption(in PerfCorruption corruption) => onCorruption?.Invoke(in corruption);
}
