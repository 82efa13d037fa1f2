using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ManagedBpf.Buffers.Perf;

namespace ManagedBpf.Buffers.Waiting;

/// <summary>
/// The asynchronous streams of <see cref="Ring.RingBufferSet"/> and <see cref="PerfBuffer"/>: copy what the ready
/// rings hold into the reader's queue (never holding a mapping across an await), yield the copies one by one, and wait
/// asynchronously when there is nothing left. A record leaves the queue only when it is yielded.
/// </summary>
internal static class RecordStream
{
    /// <summary>The most records copied per drain, bounding the memory a burst can take before it is yielded.</summary>
    internal const int BatchLimit = 1024;

    internal static async IAsyncEnumerable<byte[]> ReadAllAsync(
        IRecordBatchSource source, PerfLostCallback? onLost, PerfCorruptionCallback? onCorruption,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TryTake(source, onLost, onCorruption, out var record))
                yield return record;
            else
                await source.Waiter.WaitAsync(-1, cancellationToken).ConfigureAwait(false);
        }
    }

    internal static async IAsyncEnumerable<T> ReadAllAsync<T>(
        IRecordBatchSource source, PerfLostCallback? onLost, PerfCorruptionCallback? onCorruption,
        [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : unmanaged
    {
        await foreach (var record in ReadAllAsync(source, onLost, onCorruption, cancellationToken).ConfigureAwait(false))
            yield return Decode<T>(record);
    }

    /// <summary>Reads the first <c>sizeof(T)</c> bytes of a record as a <typeparamref name="T"/> (host byte order, unaligned).</summary>
    private static T Decode<T>(byte[] record)
        where T : unmanaged
    {
        if (record.Length < Unsafe.SizeOf<T>())
            throw new InvalidDataException(Invariant.Format(
                $"A {record.Length}-byte record cannot be read as {typeof(T).Name}, which takes {Unsafe.SizeOf<T>()} bytes."));
        return MemoryMarshal.Read<T>(record);
    }

    /// <summary>The next copy, refilling the queue from the ready rings when it is empty.</summary>
    private static bool TryTake(IRecordBatchSource source, PerfLostCallback? onLost, PerfCorruptionCallback? onCorruption, out byte[] record)
    {
        var copies = source.Copies;
        lock (copies)
        {
            if (copies.Count == 0)
            {
                var collector = new RecordCollector(copies, BatchLimit, onLost, onCorruption);
                source.ReadReady(ref collector);
            }
            return copies.TryDequeue(out record!);
        }
    }
}
