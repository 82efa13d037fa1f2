namespace ManagedBpf.Buffers;

/// <summary>
/// A record of variable length as the asynchronous streams yield it (<c>ReadAllVariableAsync</c> of
/// <see cref="Ring.RingBufferSet"/> and <see cref="Perf.PerfBuffer"/>): its fixed part read as a
/// <typeparamref name="THeader"/>, and the bytes after it.
/// </summary>
/// <typeparam name="THeader">The C layout of the record's fixed part (execsnoop: every field before <c>args</c>).</typeparam>
/// <remarks>
/// <para>
/// <see cref="Tail"/> is lent, as a <c>ReadResult</c>'s buffer is by <c>System.IO.Pipelines</c>: it points into a
/// buffer the reader reuses, and stays valid until the stream's enumerator is advanced again (the next
/// <c>MoveNextAsync</c>, which the next iteration of <c>await foreach</c> calls) or disposed. Copy what must outlive
/// the iteration (<c>Tail.ToArray()</c>). The header is a copy and can be kept.
/// </para>
/// <para>
/// The rules of <see cref="TypedRecord"/> apply: a record shorter than the fixed part has the header bytes it lacks
/// read as zeros and an empty tail (and counts in <see cref="BufferMetrics.ShortName"/>); a perf sample's tail ends
/// with the kernel's padding (up to 7 bytes), so use the length the record carries.
/// </para>
/// </remarks>
public readonly struct VariableRecord<THeader>
    where THeader : unmanaged
{
    internal VariableRecord(in THeader header, ReadOnlyMemory<byte> tail, int length)
    {
        Header = header;
        Tail = tail;
        Length = length;
    }

    /// <summary>The fixed part; bytes the record lacked read as zeros.</summary>
    public THeader Header { get; }

    /// <summary>The bytes after the fixed part, valid until the stream is advanced or disposed; empty when the record ends before.</summary>
    public ReadOnlyMemory<byte> Tail { get; }

    /// <summary>The record's length in bytes, fixed part and tail (a perf sample: the kernel's padded raw size).</summary>
    public int Length { get; }
}
