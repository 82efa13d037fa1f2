using System.Runtime.CompilerServices;
using ManagedBpf.Buffers.Perf;

namespace ManagedBpf.Buffers.Waiting;

/// <summary>
/// The asynchronous streams of <see cref="Ring.RingBufferSet"/> and <see cref="PerfBuffer"/>: copy what the ready
/// rings hold into the reader's <see cref="PendingRecords"/> (never holding a mapping across an await), yield the
/// records one by one in the form the stream promises, and wait asynchronously when there is nothing left. A record
/// leaves the pending records only when it is yielded.
/// </summary>
/// <remarks>
/// In steady state a stream allocates nothing per record but what its form needs (the array of the
/// <c>byte[]</c> stream): the pending buffer is the reader's and reused, the iterator and its state machine are
/// allocated once per enumeration, and an asynchronous wait completes a reusable value task source.
/// </remarks>
internal static class RecordStream
{
    /// <summary>Copies of the records, each in an array of its own.</summary>
    internal static IAsyncEnumerable<byte[]> ReadAllAsync(
        IRecordBatchSource source, PerfLostCallback? onLost, PerfCorruptionCallback? onCorruption, CancellationToken cancellationToken) =>
        Stream<Copy, byte[]>(source, onLost, onCorruption, default, cancellationToken);

    /// <summary>The records read as <typeparamref name="T"/> (<see cref="TypedRecord.Read{T}(ReadOnlySpan{byte})"/>).</summary>
    internal static IAsyncEnumerable<T> ReadAllAsync<T>(
        IRecordBatchSource source, PerfLostCallback? onLost, PerfCorruptionCallback? onCorruption, CancellationToken cancellationToken)
        where T : unmanaged =>
        Stream<Struct<T>, T>(source, onLost, onCorruption, default, cancellationToken);

    /// <summary>The records' bytes in the pending buffer, valid until the stream is advanced.</summary>
    internal static IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAllLeasedAsync(
        IRecordBatchSource source, PerfLostCallback? onLost, PerfCorruptionCallback? onCorruption, CancellationToken cancellationToken) =>
        Stream<Lease, ReadOnlyMemory<byte>>(source, onLost, onCorruption, default, cancellationToken);

    /// <summary>The records as a <typeparamref name="THeader"/> and the bytes from <paramref name="tailOffset"/> on (-1: <c>sizeof(THeader)</c>).</summary>
    internal static IAsyncEnumerable<VariableRecord<THeader>> ReadAllVariableAsync<THeader>(
        IRecordBatchSource source, int tailOffset, PerfLostCallback? onLost, PerfCorruptionCallback? onCorruption, CancellationToken cancellationToken)
        where THeader : unmanaged
    {
        if (tailOffset == -1)
            tailOffset = Unsafe.SizeOf<THeader>();
        ArgumentOutOfRangeException.ThrowIfNegative(tailOffset);
        return Stream<Variable<THeader>, VariableRecord<THeader>>(source, onLost, onCorruption, new Variable<THeader>(tailOffset), cancellationToken);
    }

    private static async IAsyncEnumerable<TResult> Stream<TForm, TResult>(
        IRecordBatchSource source, PerfLostCallback? onLost, PerfCorruptionCallback? onCorruption, TForm form,
        [EnumeratorCancellation] CancellationToken cancellationToken)
        where TForm : struct, IRecordForm<TResult>
    {
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (TryTake<TForm, TResult>(source, onLost, onCorruption, in form, out var record))
                    yield return record;
                else
                    await source.Waiter.WaitAsync(-1, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            var pending = source.Pending;
            lock (pending.Lock)
                pending.FlushShort(source);
        }
    }

    /// <summary>The next record in the stream's form, refilling the pending records from the ready rings when all were taken.</summary>
    private static bool TryTake<TForm, TResult>(IRecordBatchSource source, PerfLostCallback? onLost, PerfCorruptionCallback? onCorruption, in TForm form, out TResult record)
        where TForm : struct, IRecordForm<TResult>
    {
        var pending = source.Pending;
        lock (pending.Lock)
        {
            if (pending.IsEmpty)
            {
                // Every record of the last batch was taken: its bytes can go.
                pending.FlushShort(source);
                pending.Clear();
                var collector = new RecordCollector(pending, onLost, onCorruption);
                source.ReadReady(ref collector);
            }
            if (!pending.TryTake(out var entry))
            {
                record = default!;
                return false;
            }
            record = form.Read(source, pending, in entry);
            return true;
        }
    }

    /// <summary>What a stream makes of one pending record (a struct, so the stream is specialised for it).</summary>
    private interface IRecordForm<TResult>
    {
        TResult Read(IRecordBatchSource source, PendingRecords pending, in PendingRecords.Entry entry);
    }

    private readonly struct Copy : IRecordForm<byte[]>
    {
        public byte[] Read(IRecordBatchSource source, PendingRecords pending, in PendingRecords.Entry entry) => pending.Span(entry).ToArray();
    }

    private readonly struct Struct<T> : IRecordForm<T>
        where T : unmanaged
    {
        public T Read(IRecordBatchSource source, PendingRecords pending, in PendingRecords.Entry entry)
        {
            if (entry.Length < Unsafe.SizeOf<T>())
                pending.CountShort(source, entry.Source);
            return TypedRecord.Read<T>(pending.Span(entry));
        }
    }

    private readonly struct Lease : IRecordForm<ReadOnlyMemory<byte>>
    {
        public ReadOnlyMemory<byte> Read(IRecordBatchSource source, PendingRecords pending, in PendingRecords.Entry entry) => pending.Memory(entry);
    }

    private readonly struct Variable<THeader>(int tailOffset) : IRecordForm<VariableRecord<THeader>>
        where THeader : unmanaged
    {
        public VariableRecord<THeader> Read(IRecordBatchSource source, PendingRecords pending, in PendingRecords.Entry entry)
        {
            if (entry.Length < tailOffset)
                pending.CountShort(source, entry.Source);
            var memory = pending.Memory(entry);
            return new VariableRecord<THeader>(
                TypedRecord.Read<THeader>(pending.Span(entry)), entry.Length > tailOffset ? memory[tailOffset..] : ReadOnlyMemory<byte>.Empty, entry.Length);
        }
    }
}
