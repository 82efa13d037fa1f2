using ManagedBpf.Kernel;
using ManagedBpf.Buffers.Ring;
using ManagedBpf.Buffers.Simulation;
using ManagedBpf.Maps;

namespace ManagedBpf.Buffers.Capture;

/// <summary>
/// A copy of a BPF ring buffer's memory at one moment: <c>consumer_pos</c>, <c>producer_pos</c> and the data pages,
/// taken from the kernel's mapping (or any <see cref="RingBufferView"/>), to be saved as a fixture and replayed by the
/// consumer without a kernel (<see cref="Replay"/>).
/// </summary>
public sealed class RingSnapshot
{
    /// <summary>
    /// The page of the snapshot format: the smallest Linux page, not <see cref="KernelInfo.PageSize"/>. A ring's size
    /// is a multiple of its host's page, hence of 4096, so a snapshot taken on any host is accepted and replayed on any
    /// other; the replay's two meta pages need no more.
    /// </summary>
    internal const int FormatPage = 4096;

    /// <summary>Creates a snapshot from its parts (for example, read back from a file).</summary>
    /// <param name="consumerPosition">The captured <c>consumer_pos</c>.</param>
    /// <param name="producerPosition">The captured <c>producer_pos</c>.</param>
    /// <param name="data">The data pages: a power-of-two length that is a multiple of 4096.</param>
    /// <exception cref="ArgumentException">The data length is no ring size.</exception>
    public RingSnapshot(ulong consumerPosition, ulong producerPosition, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!RingBufferAbi.IsValidRingSize((ulong)data.Length, FormatPage))
            throw new ArgumentException(Invariant.Format($"{data.Length} bytes is no ring buffer size."), nameof(data));
        ConsumerPosition = consumerPosition;
        ProducerPosition = producerPosition;
        Data = data;
    }

    /// <summary>The captured <c>consumer_pos</c>.</summary>
    public ulong ConsumerPosition { get; }

    /// <summary>The captured <c>producer_pos</c>.</summary>
    public ulong ProducerPosition { get; }

    /// <summary>The data pages (one copy: the kernel maps them twice in a row).</summary>
    public IReadOnlyList<byte> Data { get; }

    /// <summary>The ring's size in bytes.</summary>
    public ulong Size => (ulong)Data.Count;

    /// <summary>Copies the memory a view describes (positions first, consumer before producer, then the data).</summary>
    /// <param name="view">The ring's memory.</param>
    /// <returns>The snapshot.</returns>
    /// <exception cref="ArgumentException">The view is default.</exception>
    public static unsafe RingSnapshot Capture(in RingBufferView view)
    {
        if (view.IsDefault)
            throw new ArgumentException("The ring buffer view describes no memory.", nameof(view));
        var consumer = view.LoadConsumerPosition();
        var producer = view.LoadProducerPosition();
        var data = new ReadOnlySpan<byte>(view.Data, checked((int)view.Size)).ToArray();
        return new RingSnapshot(consumer, producer, data);
    }

    /// <summary>Maps a real <c>BPF_MAP_TYPE_RINGBUF</c> map read-only for its data and copies its memory.</summary>
    /// <param name="ringMap">The ring buffer map.</param>
    /// <returns>The snapshot.</returns>
    /// <exception cref="ArgumentException">The map is not a ring buffer.</exception>
    public static RingSnapshot Capture(Map ringMap)
    {
        ArgumentNullException.ThrowIfNull(ringMap);
        using var map = BufferMap.Borrow(ringMap, Kernel.BpfMapType.RINGBUF, nameof(RingSnapshot));
        using var mapping = RingMapping.Map(map, userSpaceProduces: false);
        using var lease = mapping.Acquire();
        return Capture(lease.View);
    }

    /// <summary>Lays the snapshot out in fresh memory as the kernel maps a ring (4 KiB pages), for a consumer to read.</summary>
    /// <returns>The memory; dispose it when done.</returns>
    public RingSnapshotReplay Replay() => new(this);

    internal byte[] Bytes => (byte[])Data;
}

/// <summary>A <see cref="RingSnapshot"/> laid out in native memory like the kernel's mapping; the consumer may advance it.</summary>
public sealed unsafe class RingSnapshotReplay : IDisposable
{
    private readonly GuardedMemory _memory;
    private const int DataOffset = 2 * RingSnapshot.FormatPage; // after the consumer and producer pages
    private readonly ulong _size;

    internal RingSnapshotReplay(RingSnapshot snapshot)
    {
        _size = snapshot.Size;
        // consumer page, producer page, data twice (the double mapping)
        _memory = GuardedMemory.Allocate((nuint)(DataOffset + (2 * _size)));
        var p = _memory.Pointer;
        *(ulong*)p = snapshot.ConsumerPosition;
        *(ulong*)(p + RingSnapshot.FormatPage) = snapshot.ProducerPosition;
        snapshot.Bytes.CopyTo(new Span<byte>(p + DataOffset, (int)_size));
        snapshot.Bytes.CopyTo(new Span<byte>(p + DataOffset + _size, (int)_size));
    }

    /// <summary>The ring's memory, for <see cref="RingConsumer"/>.</summary>
    /// <exception cref="ObjectDisposedException">The replay was disposed.</exception>
    public RingBufferView View
    {
        get
        {
            ObjectDisposedException.ThrowIf(_memory.IsClosed, this);
            var p = _memory.Pointer;
            return new RingBufferView((ulong*)p, (ulong*)(p + RingSnapshot.FormatPage), p + DataOffset, _size);
        }
    }

    /// <summary>Frees the memory.</summary>
    public void Dispose() => _memory.Dispose();
}
