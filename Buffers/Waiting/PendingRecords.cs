using System.Runtime.CompilerServices;

namespace ManagedBpf.Buffers.Waiting;

/// <summary>
/// The records a reader's asynchronous streams have taken out of the rings and not yet yielded: their bytes copied back
/// to back into one buffer that the reader keeps and reuses, and a queue of where each one lies. It belongs to the
/// reader, not to one stream, so a stream that ends early (a <c>break</c>) leaves the rest to the next stream, of
/// whatever kind; and it is refilled only once every record in it was taken, so the bytes of the record a stream
/// yielded last stay in place until that stream is advanced again.
/// </summary>
/// <remarks>
/// Refilling copies each record once (no allocation once the buffer has grown to the largest batch), so the rings are
/// released as fast as with a copy per record, and the record stays whole whichever stream takes it. All members are
/// called under <see cref="Lock"/>.
/// </remarks>
internal sealed class PendingRecords
{
    /// <summary>The most records taken per refill, bounding what a burst holds before it is yielded.</summary>
    internal const int RecordLimit = 1024;

    /// <summary>The bytes after which a refill stops (it always takes at least one record, however long).</summary>
    internal const int ByteLimit = 1 << 20;

    private const int InitialCapacity = 4096;

    private byte[] _bytes = [];
    private Entry[] _entries = [];
    private int _next, _count, _used;

    // Records shorter than what a typed stream decoded them as, not yet added to the metric: the source they came
    // from and how many (consecutive records mostly come from one source, so this adds once per source per batch).
    private int _shortSource = -1;
    private long _shortCount;

    /// <summary>Serialises the streams' takes and refills.</summary>
    internal Lock Lock { get; } = new();

    /// <summary>Whether every record was taken.</summary>
    internal bool IsEmpty => _next == _count;

    /// <summary>Whether a refill should stop taking records.</summary>
    internal bool IsFull => _count >= RecordLimit || _used >= ByteLimit;

    /// <summary>Forgets the records (all taken) so that a refill starts at the beginning of the buffer.</summary>
    internal void Clear() => _next = _count = _used = 0;

    /// <summary>Room for one more record of <paramref name="length"/> bytes, coming from <paramref name="source"/>; the caller copies it in.</summary>
    internal Span<byte> Append(int length, int source)
    {
        var offset = _used;
        // Each record starts 8-byte aligned, as it did in the ring.
        var end = (long)offset + length;
        if (end > _bytes.Length)
            Grow(end);
        if (_count == _entries.Length)
            Array.Resize(ref _entries, Math.Max(64, _entries.Length * 2));
        _entries[_count++] = new Entry(offset, length, source);
        _used = (int)Math.Min(int.MaxValue, (end + 7) & ~7L);
        return _bytes.AsSpan(offset, length);
    }

    /// <summary>Takes the oldest record.</summary>
    internal bool TryTake(out Entry entry)
    {
        if (_next == _count)
        {
            entry = default;
            return false;
        }
        entry = _entries[_next++];
        return true;
    }

    /// <summary>The bytes of <paramref name="entry"/>, valid until the next <see cref="Clear"/>.</summary>
    internal ReadOnlySpan<byte> Span(in Entry entry) => _bytes.AsSpan(entry.Offset, entry.Length);

    /// <summary>The bytes of <paramref name="entry"/> as memory, valid until the next <see cref="Clear"/>.</summary>
    internal ReadOnlyMemory<byte> Memory(in Entry entry) => _bytes.AsMemory(entry.Offset, entry.Length);

    /// <summary>Counts one record of <paramref name="source"/> that was shorter than the struct it was read as.</summary>
    internal void CountShort(IRecordBatchSource owner, int source)
    {
        if (source != _shortSource)
        {
            FlushShort(owner);
            _shortSource = source;
        }
        _shortCount++;
    }

    /// <summary>Adds the short records counted so far to <see cref="BufferMetrics.ShortName"/>.</summary>
    internal void FlushShort(IRecordBatchSource owner)
    {
        if (_shortCount != 0)
            BufferMetrics.AddShort(owner.MetricTags(_shortSource), _shortCount);
        _shortCount = 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(long needed)
    {
        if (needed > Array.MaxLength)
            throw new InvalidOperationException(Invariant.Format($"A batch of {needed} bytes does not fit in one array."));
        var capacity = Math.Max(InitialCapacity, (long)_bytes.Length * 2);
        while (capacity < needed)
            capacity *= 2;
        var bytes = GC.AllocateUninitializedArray<byte>((int)Math.Min(capacity, Array.MaxLength));
        _bytes.AsSpan(0, Math.Min(_used, _bytes.Length)).CopyTo(bytes);
        _bytes = bytes;
    }

    /// <summary>Where one record lies in the buffer, and the ring (ring buffer set: index; perf buffer: CPU) it came from.</summary>
    internal readonly record struct Entry(int Offset, int Length, int Source);
}
