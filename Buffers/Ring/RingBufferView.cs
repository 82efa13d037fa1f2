using System.Numerics;

namespace ManagedBpf.Buffers.Ring;

/// <summary>
/// Raw memory laid out as the kernel maps a <c>BPF_MAP_TYPE_RINGBUF</c>: the consumer page holding
/// <c>consumer_pos</c>, the producer page holding <c>producer_pos</c>, and the data area mapped twice back to
/// back (<c>data[0 .. 2 * size)</c>) so that a record that wraps past the end is still contiguous.
/// </summary>
/// <remarks>
/// The view owns nothing: whoever made the memory (an mmap of the map, or a
/// <see cref="Simulation.RingBufferSimulator"/>) keeps it alive while the view is used. The same
/// <see cref="RingConsumer"/> drains either, so a simulated ring exercises the exact code that reads the kernel's.
/// </remarks>
public readonly unsafe struct RingBufferView
{
    private readonly ulong* _consumerPosition;
    private readonly ulong* _producerPosition;
    private readonly byte* _data;
    private readonly ulong _mask;

    /// <summary>Describes a ring whose pages are already mapped.</summary>
    /// <param name="consumerPosition">The start of the consumer page (<c>consumer_pos</c> at byte 0), read-write.</param>
    /// <param name="producerPosition">The start of the producer page (<c>producer_pos</c> at byte 0).</param>
    /// <param name="data">The start of the data area, mapped twice: <c>2 * size</c> readable bytes.</param>
    /// <param name="size">The data size (<c>max_entries</c>): a power of two, at least 8.</param>
    /// <exception cref="ArgumentNullException">A pointer is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is not a power of two of at least 8.</exception>
    /// <exception cref="ArgumentException">A position pointer is not 8-byte aligned.</exception>
    public RingBufferView(ulong* consumerPosition, ulong* producerPosition, byte* data, ulong size)
    {
        if (consumerPosition == null)
            throw new ArgumentNullException(nameof(consumerPosition));
        if (producerPosition == null)
            throw new ArgumentNullException(nameof(producerPosition));
        if (data == null)
            throw new ArgumentNullException(nameof(data));
        if (size < RingBufferAbi.RecordAlignment || !BitOperations.IsPow2(size))
            throw new ArgumentOutOfRangeException(nameof(size), size, "The data size of a ring buffer is a power of two of at least 8 bytes.");
        // Atomic 64-bit loads and stores need natural alignment (arm64 faults otherwise).
        if (((nuint)consumerPosition & 7) != 0 || ((nuint)producerPosition & 7) != 0 || ((nuint)data & 7) != 0)
            throw new ArgumentException("Ring buffer positions and data must be 8-byte aligned.");
        _consumerPosition = consumerPosition;
        _producerPosition = producerPosition;
        _data = data;
        _mask = size - 1;
    }

    /// <summary>The data size in bytes (the map's <c>max_entries</c>).</summary>
    public ulong Size => _mask + 1;

    /// <summary>The first byte of the doubly mapped data area.</summary>
    public byte* Data => _data;

    /// <summary>Whether this is the default value, describing no memory.</summary>
    public bool IsDefault => _data == null;

    /// <summary>Acquire-loads <c>producer_pos</c>: every header and payload byte before it is then visible.</summary>
    public ulong LoadProducerPosition() => Volatile.Read(ref *_producerPosition);

    /// <summary>Loads <c>consumer_pos</c>.</summary>
    public ulong LoadConsumerPosition() => Volatile.Read(ref *_consumerPosition);

    /// <summary>
    /// Release-stores <c>consumer_pos</c>: the producer may reuse everything before <paramref name="position"/>,
    /// and every read of those bytes has completed before it can.
    /// </summary>
    /// <param name="position">The new consumer position, at a record boundary.</param>
    public void StoreConsumerPosition(ulong position) => Volatile.Write(ref *_consumerPosition, position);

    /// <summary>Release-stores <c>producer_pos</c>: what a user ring buffer's producer, user space, publishes.</summary>
    /// <param name="position">The new producer position, past a reserved record.</param>
    internal void StoreProducerPosition(ulong position) => Volatile.Write(ref *_producerPosition, position);

    /// <summary>Where <paramref name="position"/> falls in the data area.</summary>
    /// <param name="position">A free-running position.</param>
    public ulong OffsetOf(ulong position) => position & _mask;

    /// <summary>Acquire-loads the <c>len</c> word of the record header at <paramref name="position"/>.</summary>
    /// <remarks>The caller keeps <paramref name="position"/> 8-byte aligned; the read stays in the first copy.</remarks>
    internal uint LoadRecordLength(ulong position) => Volatile.Read(ref *(uint*)(_data + (position & _mask)));

    /// <summary>The payload of the record at <paramref name="position"/>, pointing into the mapping.</summary>
    /// <remarks>
    /// The caller has checked that the record's footprint fits in <see cref="Size"/>, so the span ends before
    /// <c>data + 2 * size</c>: the second copy is what makes it contiguous.
    /// </remarks>
    internal ReadOnlySpan<byte> Payload(ulong position, uint payloadLength) =>
        new(_data + (position & _mask) + RingBufferAbi.BPF_RINGBUF_HDR_SZ, (int)payloadLength);
}
