using ManagedBpf.Buffers.Perf;
using ManagedBpf.Buffers.Ring;

namespace ManagedBpf.Buffers.Waiting;

/// <summary>
/// Copies records of either kind of ring into a queue, up to a batch limit, for the asynchronous streams: the copies
/// outlive the drain, so they can be yielded across awaits while the ring is already reused.
/// </summary>
internal readonly struct RecordCollector(Queue<byte[]> copies, int limit, PerfLostCallback? onLost, PerfCorruptionCallback? onCorruption)
    : IRingRecordHandler, IPerfRecordHandler
{
    public bool OnRecord(ReadOnlySpan<byte> payload)
    {
        copies.Enqueue(payload.ToArray());
        return copies.Count < limit;
    }

    public bool OnSample(in PerfSample sample)
    {
        var copy = GC.AllocateUninitializedArray<byte>(sample.Length);
        sample.CopyTo(copy);
        copies.Enqueue(copy);
        return copies.Count < limit;
    }

    public void OnLost(int cpu, ulong lost) => onLost?.Invoke(cpu, lost);

    public void OnCorruption(in PerfCorruption corruption) => onCorruption?.Invoke(in corruption);
}
