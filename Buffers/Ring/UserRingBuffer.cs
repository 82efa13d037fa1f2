using ManagedBpf.Buffers.Waiting;
using ManagedBpf.Kernel;
using ManagedBpf.Maps;

namespace ManagedBpf.Buffers.Ring;

/// <summary>
/// The user-space producer of a <c>BPF_MAP_TYPE_USER_RINGBUF</c>: reserve room, write the record in place, submit it;
/// a BPF program drains the ring with <c>bpf_user_ringbuf_drain</c>. The mapping inverts a ring buffer's protections:
/// the consumer page is read-only, the producer page and the twice-mapped data read-write.
/// </summary>
/// <remarks>
/// <para>
/// The protocol (kernel/bpf/ringbuf.c, <c>__bpf_user_ringbuf_peek</c>): a reservation writes the header
/// <c>{ len | BUSY, 0 }</c> at <c>producer_pos</c> and release-stores <c>producer_pos</c> past the 8-byte-aligned
/// record; submitting exchanges <c>len</c> without BUSY (discarding sets DISCARD), which orders the record's bytes
/// before it. The kernel stops at a BUSY record and skips a discarded one.
/// </para>
/// <para>
/// Size rules, checked before anything is written: a record takes <c>round_up(size + 8, 8)</c> bytes, which must fit
/// the ring, and the kernel hands samples to the program as dynptrs of at most 2^24 - 1 bytes; a record breaking
/// either would stop every later drain with E2BIG, so <see cref="MaxRecordSize"/> is the smaller limit. A ring that is
/// merely full makes <see cref="TryReserve"/> return <see langword="false"/> (libbpf's ENOSPC), or
/// <see cref="Reserve"/> wait for the program to drain (EPOLLOUT).
/// </para>
/// <para>
/// Thread-safe: reservations are serialised by a lock (libbpf's <c>user_ring_buffer__reserve</c> leaves that to the
/// caller); submit and discard need none. Another process producing into the same map is not synchronised with.
/// </para>
/// </remarks>
public sealed unsafe class UserRingBuffer : IDisposable
{
    /// <summary><c>DYNPTR_MAX_SIZE</c>: the largest sample <c>bpf_user_ringbuf_drain</c> hands to a program (2^24 - 1).</summary>
    public const int MaxDynptrSize = (1 << 24) - 1;

    private readonly BufferMap _map;
    private readonly RingMapping _mapping;
    private readonly ReadinessWaiter _waiter;
    private readonly Lock _reserve = new();
    private readonly SemaphoreSlim _blocked = new(1, 1);
    private readonly KeyValuePair<string, object?>[] _tags;
    private int _disposed;

    /// <summary>Maps the user ring buffer <paramref name="map"/>. The map stays the caller's; its descriptor is held open until this writer is disposed.</summary>
    /// <param name="map">A <c>BPF_MAP_TYPE_USER_RINGBUF</c> map.</param>
    /// <exception cref="ArgumentException">The map is of another type.</exception>
    /// <exception cref="BpfSyscallException">mmap, epoll or eventfd failed.</exception>
    public UserRingBuffer(Map map)
        : this(BufferMap.Borrow(map, BpfMapType.USER_RINGBUF, nameof(UserRingBuffer)))
    {
    }

    /// <summary>Maps the user ring buffer whose descriptor is <paramref name="mapFd"/>; the descriptor stays the caller's.</summary>
    /// <param name="mapFd">A descriptor of a <c>BPF_MAP_TYPE_USER_RINGBUF</c> map.</param>
    /// <exception cref="ArgumentException">The map is of another type.</exception>
    /// <exception cref="BpfSyscallException">The descriptor is not a map, or mmap, epoll or eventfd failed.</exception>
    public UserRingBuffer(SafeFdHandle mapFd)
        : this(BufferMap.Borrow(mapFd, BpfMapType.USER_RINGBUF, nameof(UserRingBuffer)))
    {
    }

    private UserRingBuffer(BufferMap map)
    {
        RingMapping? mapping = null;
        try
        {
            mapping = RingMapping.Map(map, userSpaceProduces: true);
            _waiter = new ReadinessWaiter(this);
            _waiter.Add(map.Handle, EpollEvents.Out);
        }
        catch
        {
            _waiter?.Dispose();
            mapping?.Dispose();
            map.Dispose();
            throw;
        }
        _map = map;
        _mapping = mapping;
        _tags = BufferMetrics.Tags(map);
        MaxRecordSize = (int)Math.Min(mapping.Size - RingBufferAbi.BPF_RINGBUF_HDR_SZ, MaxDynptrSize);
    }

    /// <summary>Opens the user ring buffer pinned at <paramref name="path"/> and maps it; the descriptor is closed on dispose.</summary>
    /// <param name="path">A path on a bpffs.</param>
    /// <exception cref="ArgumentException">The pinned map is of another type.</exception>
    /// <exception cref="BpfSyscallException">Nothing is pinned there, or mmap failed.</exception>
    public static UserRingBuffer OpenPinned(string path) => new(BufferMap.OpenPinned(path, BpfMapType.USER_RINGBUF, nameof(UserRingBuffer)));

    /// <summary>The map's name.</summary>
    public string Name => _map.Name;

    /// <summary>The data size in bytes (the map's <c>max_entries</c>).</summary>
    public ulong Size => _mapping.Size;

    /// <summary>The largest record: <c>min(Size - 8, 2^24 - 1)</c> bytes.</summary>
    public int MaxRecordSize { get; }

    /// <summary><c>consumer_pos</c>: how far the kernel has drained.</summary>
    /// <exception cref="ObjectDisposedException">The writer was disposed.</exception>
    public ulong ConsumerPosition => Positions().Consumer;

    /// <summary><c>producer_pos</c>: how far records were reserved.</summary>
    /// <exception cref="ObjectDisposedException">The writer was disposed.</exception>
    public ulong ProducerPosition => Positions().Producer;

    /// <summary>Bytes free for records and their headers: <c>Size - (producer_pos - consumer_pos)</c>.</summary>
    /// <exception cref="ObjectDisposedException">The writer was disposed.</exception>
    public ulong FreeBytes
    {
        get
        {
            var (consumer, producer) = Positions();
            return Size - RingBufferAbi.Available(producer, consumer);
        }
    }

    /// <summary>Reserves room for a <paramref name="size"/>-byte record if there is room now.</summary>
    /// <param name="size">The record's length, 0 to <see cref="MaxRecordSize"/>.</param>
    /// <param name="reservation">The room, to be submitted or discarded.</param>
    /// <returns><see langword="false"/> when the ring has no room for the record until the program drains it.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The record can never fit (the message states the rule).</exception>
    /// <exception cref="RingCorruptedException">The positions in the shared pages are impossible.</exception>
    /// <exception cref="ObjectDisposedException">The writer was disposed.</exception>
    public bool TryReserve(int size, out UserRingReservation reservation)
    {
        CheckSize(size);
        return TryReserveChecked(size, out reservation);
    }

    /// <summary>Reserves room for a <paramref name="size"/>-byte record, waiting (EPOLLOUT) until the program has drained enough.</summary>
    /// <param name="size">The record's length, 0 to <see cref="MaxRecordSize"/>.</param>
    /// <param name="timeoutMilliseconds">-1 waits forever.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The room, to be submitted or discarded.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The record can never fit (the message states the rule).</exception>
    /// <exception cref="TimeoutException">No room came free in time.</exception>
    /// <exception cref="ObjectDisposedException">The writer was disposed, also while waiting.</exception>
    public UserRingReservation Reserve(int size, int timeoutMilliseconds = -1, CancellationToken cancellationToken = default)
    {
        CheckSize(size);
        if (TryReserveChecked(size, out var reservation))
            return reservation;
        ArgumentOutOfRangeException.ThrowIfLessThan(timeoutMilliseconds, -1);
        var deadline = timeoutMilliseconds < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMilliseconds;
        // One blocked writer waits on epoll at a time; the others queue here, honouring their own timeout and token.
        if (!_blocked.Wait(timeoutMilliseconds, cancellationToken))
            throw NoRoom(size, timeoutMilliseconds);
        try
        {
            while (true)
            {
                // Cleared before looking, so that a drain after the look is still seen by the wait.
                _waiter.TakeReady(0);
                if (TryReserveChecked(size, out reservation))
                    return reservation;
                var remaining = timeoutMilliseconds < 0 ? -1 : (int)Math.Max(0, deadline - Environment.TickCount64);
                if (remaining == 0 || !_waiter.Wait(remaining, cancellationToken))
                    return TryReserveChecked(size, out reservation) ? reservation : throw NoRoom(size, timeoutMilliseconds);
            }
        }
        finally
        {
            _blocked.Release();
        }
    }

    /// <summary>Copies <paramref name="record"/> into the ring and submits it, if there is room now.</summary>
    /// <param name="record">The record.</param>
    /// <returns><see langword="false"/> when the ring has no room for it.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The record can never fit.</exception>
    public bool TryWrite(ReadOnlySpan<byte> record)
    {
        if (!TryReserve(record.Length, out var reservation))
            return false;
        record.CopyTo(reservation.Span);
        reservation.Submit();
        return true;
    }

    /// <summary>Copies <paramref name="record"/> into the ring and submits it, waiting for room.</summary>
    /// <param name="record">The record.</param>
    /// <param name="timeoutMilliseconds">-1 waits forever.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The record can never fit.</exception>
    /// <exception cref="TimeoutException">No room came free in time.</exception>
    public void Write(ReadOnlySpan<byte> record, int timeoutMilliseconds = -1, CancellationToken cancellationToken = default)
    {
        var reservation = Reserve(record.Length, timeoutMilliseconds, cancellationToken);
        record.CopyTo(reservation.Span);
        reservation.Submit();
    }

    /// <summary>
    /// Wakes blocked writers (they throw <see cref="ObjectDisposedException"/>) and unmaps the ring once every
    /// reservation has been submitted or discarded. Idempotent.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _waiter.Dispose();
        _mapping.Dispose();
        _map.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => Invariant.Format($"user ring buffer '{Name}' ({Size} bytes)");

    /// <summary>Submits or discards the record at <paramref name="position"/> and lets go of the reservation's reference on the mapping.</summary>
    internal void Commit(ulong position, int length, bool discard)
    {
        var view = _mapping.View(); // the reservation's reference keeps it mapped
        var header = (int*)(view.Data + view.OffsetOf(position));
        var busy = (uint)length | RingBufferAbi.BPF_RINGBUF_BUSY_BIT;
        var committed = (uint)length | (discard ? RingBufferAbi.BPF_RINGBUF_DISCARD_BIT : 0);
        // A full barrier, as libbpf's exchange: the record's bytes are visible before the kernel can see the header
        // without BUSY. Comparing first makes a second submit (or discard) of the same reservation fail, not release twice.
        if (Interlocked.CompareExchange(ref *header, (int)committed, (int)busy) != (int)busy)
            throw new InvalidOperationException(Invariant.Format($"The record at position 0x{position:X} of {this} was already submitted or discarded."));
        _mapping.Release();
        if (discard)
            BufferMetrics.Add(_tags, 0, 0, discarded: 1);
        else
            BufferMetrics.Add(_tags, 1, length);
    }

    private bool TryReserveChecked(int size, out UserRingReservation reservation)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var footprint = RingBufferAbi.RecordFootprint((uint)size);
        _mapping.AddRef();
        var reserved = false;
        try
        {
            var view = _mapping.View();
            lock (_reserve)
            {
                // Acquire: the kernel released consumer_pos after it finished reading the records before it.
                var consumer = view.LoadConsumerPosition();
                var producer = view.LoadProducerPosition();
                var used = producer - consumer;
                if (used > Size || ((producer | consumer) & (RingBufferAbi.RecordAlignment - 1)) != 0)
                    throw RingCorruption.Positions(consumer, producer, Size);
                if (Size - used < footprint)
                {
                    reservation = default;
                    return false;
                }

                var header = view.Data + view.OffsetOf(producer);
                *(uint*)header = (uint)size | RingBufferAbi.BPF_RINGBUF_BUSY_BIT;
                *(uint*)(header + 4) = 0;
                // Release: the BUSY header is visible before the position that publishes it.
                view.StoreProducerPosition(producer + footprint);
                reservation = new UserRingReservation(this, producer, new Span<byte>(header + RingBufferAbi.BPF_RINGBUF_HDR_SZ, size));
                reserved = true;
                return true;
            }
        }
        finally
        {
            if (!reserved)
                _mapping.Release();
        }
    }

    private void CheckSize(int size)
    {
        if (size < 0 || size > MaxRecordSize)
            throw new ArgumentOutOfRangeException(nameof(size), size, Invariant.Format(
                $"A user ring buffer record takes round_up(size + 8, 8) bytes, which must fit the {Size}-byte ring, and bpf_user_ringbuf_drain hands out at most {MaxDynptrSize} bytes (a dynptr); so {this} takes records of 0 to {MaxRecordSize} bytes (the kernel's E2BIG)."));
    }

    private TimeoutException NoRoom(int size, int timeoutMilliseconds) => new(Invariant.Format(
        $"No room for a {size}-byte record ({RingBufferAbi.RecordFootprint((uint)size)} bytes with its header) in {this} within {timeoutMilliseconds} ms: {FreeBytes} bytes are free. The program draining it has not caught up (the kernel's ENOSPC)."));

    private (ulong Consumer, ulong Producer) Positions()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _mapping.LoadPositions();
    }
}
