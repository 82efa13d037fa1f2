using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using ManagedBpf.Kernel;
using ManagedBpf.Maps;

namespace ManagedBpf.Buffers.Ring;

/// <summary>
/// The consumer of one <c>BPF_MAP_TYPE_RINGBUF</c>: maps the ring (consumer page read-write, producer page and the
/// twice-mapped data read-only, sized from the map's <c>max_entries</c>) and drains it with <see cref="RingConsumer"/>.
/// Records reach the handler as spans into the mapping, with no copy; <see cref="TryRead(out byte[])"/> copies for
/// callers who keep them.
/// </summary>
/// <remarks>
/// <para>
/// Thread-safe: drains are serialised, so each record is delivered once, and each drain holds a reference on the
/// mappings, so <see cref="Dispose"/> on another thread unmaps only when the drain has finished. A handler must not
/// consume the same ring again (that throws <see cref="InvalidOperationException"/>).
/// </para>
/// <para>
/// A ring buffer does not wait by itself: add it to a <see cref="RingBufferSet"/> to wait for records (one ring or
/// many, synchronously or asynchronously). Each drain adds its counts to the <see cref="BufferMetrics"/> counters.
/// </para>
/// </remarks>
public sealed class RingBuffer : IDisposable
{
    private readonly BufferMap _map;
    private readonly RingMapping _mapping;
    private readonly Lock _drain = new();
    private readonly KeyValuePair<string, object?>[] _tags;
    private int _disposed;

    /// <summary>Maps the ring buffer <paramref name="map"/>. The map stays the caller's; its descriptor is held open until this reader is disposed.</summary>
    /// <param name="map">A <c>BPF_MAP_TYPE_RINGBUF</c> map.</param>
    /// <exception cref="ArgumentException">The map is of another type.</exception>
    /// <exception cref="BpfSyscallException">mmap failed.</exception>
    public RingBuffer(Map map)
        : this(BufferMap.Borrow(map, BpfMapType.RINGBUF, nameof(RingBuffer)))
    {
    }

    /// <summary>Maps the ring buffer whose descriptor is <paramref name="mapFd"/>. The descriptor stays the caller's; it is held open until this reader is disposed.</summary>
    /// <param name="mapFd">A descriptor of a <c>BPF_MAP_TYPE_RINGBUF</c> map.</param>
    /// <exception cref="ArgumentException">The map is of another type.</exception>
    /// <exception cref="BpfSyscallException">The descriptor is not a map, or mmap failed.</exception>
    public RingBuffer(SafeFdHandle mapFd)
        : this(BufferMap.Borrow(mapFd, BpfMapType.RINGBUF, nameof(RingBuffer)))
    {
    }

    private RingBuffer(BufferMap map)
    {
        try
        {
            _mapping = RingMapping.Map(map, userSpaceProduces: false);
        }
        catch
        {
            map.Dispose();
            throw;
        }
        _map = map;
        _tags = BufferMetrics.Tags(map);
    }

    /// <summary>Opens the ring buffer pinned at <paramref name="path"/> and maps it; the descriptor is closed on dispose.</summary>
    /// <param name="path">A path on a bpffs.</param>
    /// <exception cref="ArgumentException">The pinned map is of another type.</exception>
    /// <exception cref="BpfSyscallException">Nothing is pinned there, or mmap failed.</exception>
    public static RingBuffer OpenPinned(string path) => new(BufferMap.OpenPinned(path, BpfMapType.RINGBUF, nameof(RingBuffer)));

    /// <summary>The map's name.</summary>
    public string Name => _map.Name;

    /// <summary>The data size in bytes (the map's <c>max_entries</c>).</summary>
    public ulong Size => _mapping.Size;

    /// <summary>Whether the ring's mappings were unmapped (tests check when).</summary>
    internal bool Unmapped => _mapping.Unmapped;

    /// <summary>The tags of this ring's metrics.</summary>
    internal KeyValuePair<string, object?>[] MetricTags => _tags;

    /// <summary>The map's descriptor (held open by this reader), e.g. to register it with an event loop of one's own.</summary>
    public SafeFdHandle Handle => _map.Handle;

    /// <summary><c>consumer_pos</c>: the free-running position up to which records were consumed.</summary>
    /// <exception cref="ObjectDisposedException">The reader was disposed.</exception>
    public ulong ConsumerPosition => Positions().Consumer;

    /// <summary><c>producer_pos</c>: the free-running position up to which records were reserved by producers.</summary>
    /// <exception cref="ObjectDisposedException">The reader was disposed.</exception>
    public ulong ProducerPosition => Positions().Producer;

    /// <summary>Bytes reserved and not yet consumed, headers included: <c>producer_pos - consumer_pos</c>.</summary>
    /// <exception cref="ObjectDisposedException">The reader was disposed.</exception>
    public ulong AvailableBytes
    {
        get
        {
            var (consumer, producer) = Positions();
            return RingBufferAbi.Available(producer, consumer);
        }
    }

    /// <summary>Delivers every committed record to <paramref name="handler"/> until the ring is empty or the next record is BUSY.</summary>
    /// <typeparam name="THandler">A struct handler; the drain is specialised for it and can inline it.</typeparam>
    /// <param name="handler">Receives each payload; passed by reference so its state survives.</param>
    /// <param name="commit">When to publish <c>consumer_pos</c>.</param>
    /// <returns>Counters and the reason the drain returned.</returns>
    /// <exception cref="RingCorruptedException">The ring's contents break the ABI; the message gives the positions.</exception>
    /// <exception cref="ObjectDisposedException">The reader was disposed.</exception>
    public RingConsumeResult Consume<THandler>(ref THandler handler, RingCommitPolicy commit = RingCommitPolicy.PerRecord)
        where THandler : struct, IRingRecordHandler =>
        Drain(ref handler, long.MaxValue, commit);

    /// <summary>Delivers at most <paramref name="maxRecords"/> committed records to <paramref name="handler"/>.</summary>
    /// <typeparam name="THandler">A struct handler; the drain is specialised for it and can inline it.</typeparam>
    /// <param name="handler">Receives each payload; passed by reference so its state survives.</param>
    /// <param name="maxRecords">The most records to deliver, at least 1.</param>
    /// <param name="commit">When to publish <c>consumer_pos</c>.</param>
    /// <returns>Counters and the reason the drain returned.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRecords"/> is not positive.</exception>
    /// <exception cref="RingCorruptedException">The ring's contents break the ABI; the message gives the positions.</exception>
    /// <exception cref="ObjectDisposedException">The reader was disposed.</exception>
    public RingConsumeResult ConsumeN<THandler>(ref THandler handler, long maxRecords, RingCommitPolicy commit = RingCommitPolicy.PerRecord)
        where THandler : struct, IRingRecordHandler
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRecords);
        return Drain(ref handler, maxRecords, commit);
    }

    /// <summary>Delivers every committed record to <paramref name="callback"/> until the ring is empty or the next record is BUSY.</summary>
    /// <param name="callback">Receives each payload, valid only during the call.</param>
    /// <param name="commit">When to publish <c>consumer_pos</c>.</param>
    /// <returns>Counters and the reason the drain returned.</returns>
    /// <exception cref="RingCorruptedException">The ring's contents break the ABI; the message gives the positions.</exception>
    /// <exception cref="ObjectDisposedException">The reader was disposed.</exception>
    public RingConsumeResult Consume(RingRecordCallback callback, RingCommitPolicy commit = RingCommitPolicy.PerRecord)
    {
        var handler = new RingConsumer.CallbackHandler(callback ?? throw new ArgumentNullException(nameof(callback)));
        return Drain(ref handler, long.MaxValue, commit);
    }

    /// <summary>Delivers at most <paramref name="maxRecords"/> committed records to <paramref name="callback"/>.</summary>
    /// <param name="callback">Receives each payload, valid only during the call.</param>
    /// <param name="maxRecords">The most records to deliver, at least 1.</param>
    /// <param name="commit">When to publish <c>consumer_pos</c>.</param>
    /// <returns>Counters and the reason the drain returned.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRecords"/> is not positive.</exception>
    /// <exception cref="RingCorruptedException">The ring's contents break the ABI; the message gives the positions.</exception>
    /// <exception cref="ObjectDisposedException">The reader was disposed.</exception>
    public RingConsumeResult ConsumeN(RingRecordCallback callback, long maxRecords, RingCommitPolicy commit = RingCommitPolicy.PerRecord)
    {
        var handler = new RingConsumer.CallbackHandler(callback ?? throw new ArgumentNullException(nameof(callback)));
        return ConsumeN(ref handler, maxRecords, commit);
    }

    /// <summary>Consumes the next committed record as a copy the caller keeps.</summary>
    /// <param name="record">The record's payload, or <see langword="null"/> when there is none.</param>
    /// <returns><see langword="false"/> when the ring is empty or the next record is still BUSY.</returns>
    /// <exception cref="RingCorruptedException">The ring's contents break the ABI.</exception>
    /// <exception cref="ObjectDisposedException">The reader was disposed.</exception>
    public bool TryRead([NotNullWhen(true)] out byte[]? record)
    {
        var copy = new CopyToArray();
        Drain(ref copy, 1, RingCommitPolicy.PerRecord);
        record = copy.Record;
        return record is not null;
    }

    /// <summary>Consumes the next committed record, copying its payload into <paramref name="destination"/> (which sizes the room itself).</summary>
    /// <param name="destination">Receives the payload: <c>GetSpan(length)</c>, then <c>Advance(length)</c>.</param>
    /// <param name="length">The payload's length, or 0 when there is none.</param>
    /// <returns><see langword="false"/> when the ring is empty or the next record is still BUSY.</returns>
    /// <exception cref="RingCorruptedException">The ring's contents break the ABI.</exception>
    /// <exception cref="ObjectDisposedException">The reader was disposed.</exception>
    public bool TryRead(IBufferWriter<byte> destination, out int length)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var copy = new CopyToWriter(destination);
        var result = Drain(ref copy, 1, RingCommitPolicy.PerRecord);
        length = (int)result.PayloadBytes;
        return result.Records != 0;
    }

    /// <summary>
    /// Unmaps the ring (once any drain in progress on another thread has finished) and lets go of the map's
    /// descriptor. Idempotent.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _mapping.Dispose();
        _map.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => Invariant.Format($"ring buffer '{Name}' ({Size} bytes)");

    /// <summary>
    /// After a drain that stopped at a BUSY record: whether that record (or whatever is at <c>consumer_pos</c> now) is
    /// committed after all, so the caller must drain again rather than wait.
    /// </summary>
    /// <remarks>
    /// The kernel commits with an <c>xchg</c> on the header (a full barrier) and then reads <c>consumer_pos</c> to decide
    /// whether to wake the consumer (it does when <c>consumer_pos</c> is at the record). The drain has stored
    /// <c>consumer_pos</c>; after a full fence here, either this load sees the commit, or the producer's load sees
    /// <c>consumer_pos</c> at its record and sends the wakeup (unless it passed <c>BPF_RB_NO_WAKEUP</c>). Either way no
    /// wakeup is lost, and an edge-triggered waiter can sleep without spinning on the BUSY record.
    /// </remarks>
    internal bool HasCommittedRecord()
    {
        using var lease = Acquire();
        var view = lease.View;
        Interlocked.MemoryBarrier();
        var consumer = view.LoadConsumerPosition();
        if (view.LoadProducerPosition() == consumer)
            return false;
        return (view.LoadRecordLength(consumer) & RingBufferAbi.BPF_RINGBUF_BUSY_BIT) == 0;
    }

    private RingMapping.RingLease Acquire()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _mapping.Acquire();
    }

    private (ulong Consumer, ulong Producer) Positions()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _mapping.LoadPositions();
    }

    private RingConsumeResult Drain<THandler>(ref THandler handler, long maxRecords, RingCommitPolicy commit)
        where THandler : struct, IRingRecordHandler
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_drain.IsHeldByCurrentThread)
            throw new InvalidOperationException(Invariant.Format($"{this} is already being drained on this thread: a handler must not consume its own ring."));
        using var scope = _drain.EnterScope();
        using var lease = Acquire();
        var view = lease.View;
        RingConsumeResult result;
        try
        {
            result = maxRecords == long.MaxValue
                ? RingConsumer.Consume(in view, ref handler, commit)
                : RingConsumer.ConsumeN(in view, ref handler, maxRecords, commit);
        }
        catch (RingCorruptedException)
        {
            BufferMetrics.Add(_tags, 0, 0, corrupted: 1);
            throw;
        }
        BufferMetrics.Add(_tags, result.Records, result.PayloadBytes, discarded: result.Discarded);
        return result;
    }

    /// <summary>Copies one record into a new array.</summary>
    private struct CopyToArray : IRingRecordHandler
    {
        public byte[]? Record;

        public bool OnRecord(ReadOnlySpan<byte> payload)
        {
            Record = payload.ToArray();
            return true;
        }
    }

    /// <summary>Copies one record into a buffer writer.</summary>
    private readonly struct CopyToWriter(IBufferWriter<byte> destination) : IRingRecordHandler
    {
        public bool OnRecord(ReadOnlySpan<byte> payload)
        {
            payload.CopyTo(destination.GetSpan(payload.Length));
            destination.Advance(payload.Length);
            return true;
        }
    }
}
