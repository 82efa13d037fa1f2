using ManagedBpf.Kernel;
using System.Numerics;
using ManagedBpf.Buffers.Ring;

namespace ManagedBpf.Buffers.Simulation;

/// <summary>
/// A managed model of the kernel's <c>BPF_MAP_TYPE_RINGBUF</c> producer (kernel/bpf/ringbuf.c), over native memory
/// laid out exactly as the kernel maps the ring: a consumer page, a producer page, and the data area twice in a row.
/// Every write lands in both copies, as the double mapping makes it, so <see cref="View"/> can be drained by the
/// same <see cref="RingConsumer"/> that drains the kernel's ring, deterministically and without a kernel.
/// </summary>
/// <remarks>
/// <para>The kernel's rules, as <c>__bpf_ringbuf_reserve</c> and <c>bpf_ringbuf_commit</c> apply them:</para>
/// <list type="bullet">
/// <item>A reservation fails if the payload exceeds <see cref="RingBufferAbi.RINGBUF_MAX_RECORD_SZ"/>, if the record
/// (<c>round_up(len + 8, 8)</c>) exceeds the ring, or if the producer would get more than <c>size - 1</c> bytes ahead
/// of the consumer (<c>new_prod_pos - cons_pos &gt; mask</c>): a ring is never completely full, so the largest record
/// that can ever be reserved is <c>size - 8</c> bytes. The kernel counts no failures; neither does the model.</item>
/// <item>Reserving writes the header with the BUSY bit and <c>pg_off</c>, then publishes <c>producer_pos</c>.</item>
/// <item>Commit clears BUSY (and sets DISCARD for a discard) with an atomic exchange. Records may be committed in any
/// order: a later record can be committed while an earlier one is still BUSY, and a consumer stops at the BUSY one.</item>
/// </list>
/// <para>Not thread-safe: one producer thread at a time. A consumer may run on another thread through <see cref="View"/>.</para>
/// </remarks>
public sealed unsafe class RingBufferSimulator : IDisposable
{
    // pg_off counts pages from the start of struct bpf_ringbuf: RINGBUF_PGOFF (the non-mappable page in front of
    // consumer_pos, 1 on current kernels) plus the consumer and producer pages, then the data page.
    private const uint MetaPagesBeforeData = 3;

    private readonly GuardedMemory _memory;
    private readonly Dictionary<ulong, uint> _outstanding = [];
    private ulong _producerPosition;

    /// <summary>Creates an empty ring.</summary>
    /// <param name="ringSize">The data size (<c>max_entries</c>): a power of two and a multiple of <paramref name="pageSize"/>.</param>
    /// <param name="startPosition">
    /// Where both positions start (8-byte aligned). The kernel starts at 0; any value, e.g. near 2^64, exercises the
    /// wrap-around of the free-running counters.
    /// </param>
    /// <param name="pageSize">The page size to model: a power of two of at least 4096.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size or the start position breaks the kernel's rules.</exception>
    public RingBufferSimulator(ulong ringSize, ulong startPosition = 0, int pageSize = 4096)
    {
        if (pageSize < 4096 || !BitOperations.IsPow2(pageSize))
            throw new ArgumentOutOfRangeException(nameof(pageSize), pageSize, "A page is a power of two of at least 4096 bytes.");
        if (!RingBufferAbi.IsValidRingSize(ringSize, (ulong)pageSize) || ringSize > 1UL << 31)
            throw new ArgumentOutOfRangeException(nameof(ringSize), ringSize, "A ring buffer's size is a power of two, a multiple of the page size, and at most 2 GiB.");
        if ((startPosition & (RingBufferAbi.RecordAlignment - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(startPosition), startPosition, "Positions advance by whole records: they are 8-byte aligned.");

        RingSize = ringSize;
        PageSize = pageSize;
        _memory = GuardedMemory.Allocate((nuint)(2 * (ulong)pageSize + 2 * ringSize));
        *ConsumerPage = startPosition;
        *ProducerPage = startPosition;
        _producerPosition = startPosition;
    }

    /// <summary>The data size in bytes.</summary>
    public ulong RingSize { get; }

    /// <summary>The page size modelled.</summary>
    public int PageSize { get; }

    /// <summary>The ring's memory, for a consumer: the same layout as the kernel's mapping.</summary>
    /// <exception cref="ObjectDisposedException">The simulator was disposed.</exception>
    public RingBufferView View
    {
        get
        {
            var block = Block;
            return new RingBufferView((ulong*)block, (ulong*)(block + PageSize), block + 2 * PageSize, RingSize);
        }
    }

    /// <summary>The published <c>producer_pos</c>.</summary>
    public ulong ProducerPosition => Volatile.Read(ref *ProducerPage);

    /// <summary>The <c>consumer_pos</c> the consumer last stored.</summary>
    public ulong ConsumerPosition => Volatile.Read(ref *ConsumerPage);

    /// <summary>Reservations neither submitted nor discarded yet.</summary>
    public int OutstandingReservations => _outstanding.Count;

    private byte* Block
    {
        get
        {
            ObjectDisposedException.ThrowIf(_memory.IsClosed, this);
            return _memory.Pointer;
        }
    }

    private ulong* ConsumerPage => (ulong*)Block;

    private ulong* ProducerPage => (ulong*)(Block + PageSize);

    private byte* Data => Block + 2 * PageSize;

    /// <summary>
    /// <c>bpf_ringbuf_reserve</c>: reserves a record of <paramref name="length"/> payload bytes, marked BUSY until it is
    /// submitted or discarded.
    /// </summary>
    /// <param name="length">The payload length; 0 is allowed.</param>
    /// <param name="reservation">The reserved record, when the method returns <see langword="true"/>.</param>
    /// <returns><see langword="false"/> when the kernel would return NULL: too large, or no room.</returns>
    public bool TryReserve(uint length, out RingReservation reservation)
    {
        reservation = default;
        if (length > RingBufferAbi.RINGBUF_MAX_RECORD_SZ)
            return false;
        var footprint = RingBufferAbi.RecordFootprint(length);
        if (footprint > RingSize)
            return false;

        var consumer = Volatile.Read(ref *ConsumerPage);
        var producer = _producerPosition;
        var next = producer + footprint;
        if (next - consumer > RingSize - 1)
            return false;

        var offset = producer & (RingSize - 1);
        var header = new RingRecordHeader(length | RingBufferAbi.BPF_RINGBUF_BUSY_BIT, MetaPagesBeforeData + (uint)(offset / (ulong)PageSize));
        Span<byte> bytes = stackalloc byte[RingBufferAbi.BPF_RINGBUF_HDR_SZ];
        header.Write(bytes);
        WriteMirrored(producer, bytes);

        _producerPosition = next;
        // Pairs with the consumer's acquire-load: the BUSY header is visible before the position that covers it.
        Volatile.Write(ref *ProducerPage, next);
        _outstanding.Add(producer, length);
        reservation = new RingReservation(producer, length);
        return true;
    }

    /// <summary>Writes payload bytes into a reserved record (in both copies of the data area).</summary>
    /// <param name="reservation">An outstanding reservation.</param>
    /// <param name="offset">Where in the payload to write.</param>
    /// <param name="bytes">What to write; it must fit the reserved length from <paramref name="offset"/>.</param>
    /// <exception cref="InvalidOperationException">The reservation is not outstanding.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The bytes do not fit the reservation.</exception>
    public void Write(in RingReservation reservation, int offset, ReadOnlySpan<byte> bytes)
    {
        CheckOutstanding(reservation);
        if (offset < 0 || (ulong)offset + (ulong)bytes.Length > reservation.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, Invariant.Format($"{bytes.Length} bytes at {offset} do not fit a {reservation.Length}-byte reservation."));
        WriteMirrored(reservation.Position + RingBufferAbi.BPF_RINGBUF_HDR_SZ + (ulong)offset, bytes);
    }

    /// <summary><c>bpf_ringbuf_submit</c>: clears BUSY, so a consumer delivers the record once it reaches it.</summary>
    /// <param name="reservation">An outstanding reservation.</param>
    /// <exception cref="InvalidOperationException">The reservation is not outstanding.</exception>
    public void Submit(in RingReservation reservation) => Commit(reservation, discard: false);

    /// <summary><c>bpf_ringbuf_discard</c>: clears BUSY and sets DISCARD, so a consumer skips the record.</summary>
    /// <param name="reservation">An outstanding reservation.</param>
    /// <exception cref="InvalidOperationException">The reservation is not outstanding.</exception>
    public void Discard(in RingReservation reservation) => Commit(reservation, discard: true);

    /// <summary><c>bpf_ringbuf_output</c>: reserves, copies <paramref name="payload"/> and submits in one step.</summary>
    /// <param name="payload">The record's payload.</param>
    /// <returns><see langword="false"/> when the reservation fails (the kernel returns -EAGAIN).</returns>
    public bool TryOutput(ReadOnlySpan<byte> payload)
    {
        if (!TryReserve((uint)payload.Length, out var reservation))
            return false;
        Write(reservation, 0, payload);
        Submit(reservation);
        return true;
    }

    /// <summary>Frees the ring's memory. Views taken from it must no longer be used.</summary>
    public void Dispose() => _memory.Dispose();

    private void Commit(in RingReservation reservation, bool discard)
    {
        CheckOutstanding(reservation);
        _outstanding.Remove(reservation.Position);
        var offset = reservation.Position & (RingSize - 1);
        var first = (uint*)(Data + offset);
        var length = (*first ^ RingBufferAbi.BPF_RINGBUF_BUSY_BIT) | (discard ? RingBufferAbi.BPF_RINGBUF_DISCARD_BIT : 0);
        // The second copy first: the consumer reads headers from the first, whose exchange publishes the commit.
        *(uint*)(Data + RingSize + offset) = length;
        Interlocked.Exchange(ref *first, length);
    }

    private void CheckOutstanding(in RingReservation reservation)
    {
        if (!_outstanding.TryGetValue(reservation.Position, out var length) || length != reservation.Length)
            throw new InvalidOperationException(Invariant.Format($"The reservation of {reservation} is not outstanding: it was already submitted or discarded, or never made here."));
    }

    /// <summary>Writes at a ring position into both copies of the data area, as the double mapping does.</summary>
    private void WriteMirrored(ulong position, ReadOnlySpan<byte> bytes)
    {
        var data = Data;
        WrappedWrite.To(data, RingSize, position, bytes);
        WrappedWrite.To(data + RingSize, RingSize, position, bytes);
    }
}
