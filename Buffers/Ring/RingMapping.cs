using ManagedBpf.Kernel;

namespace ManagedBpf.Buffers.Ring;

/// <summary>
/// The two mappings of a <c>BPF_MAP_TYPE_RINGBUF</c> or <c>BPF_MAP_TYPE_USER_RINGBUF</c>: the consumer page at
/// offset 0 (one page) and, at offset one page, the producer page followed by the data area mapped twice
/// (<c>page + 2 * size</c> bytes). A ring buffer's consumer writes only <c>consumer_pos</c>, so its consumer page is
/// read-write and the rest read-only; a user ring buffer's producer is user space, so the protections are inverted.
/// </summary>
internal sealed unsafe class RingMapping : IDisposable
{
    private readonly MappingReferences _references; // owns both mappings
    private readonly RingBufferView _view; // built once (its checks are not free on every drain); used only under a reference

    private RingMapping(SafeMmapHandle consumer, SafeMmapHandle producer, int page, ulong size, string subject)
    {
        _references = new MappingReferences([consumer, producer], subject);
        Size = size;
        var producerPage = (byte*)producer.DangerousGetHandle();
        _view = new RingBufferView((ulong*)consumer.DangerousGetHandle(), (ulong*)producerPage, producerPage + page, size);
    }

    /// <summary>The data size (<c>max_entries</c>).</summary>
    internal ulong Size { get; }

    /// <summary>Maps the ring of <paramref name="map"/>; <paramref name="userSpaceProduces"/> selects the user ring buffer's protections.</summary>
    internal static RingMapping Map(BufferMap map, bool userSpaceProduces)
    {
        var page = KernelInfo.PageSize;
        var size = (ulong)map.MaxEntries;
        if (BpfErrorHints.RingBufferSizeRule(size) is { } rule)
            throw new InvalidOperationException(Invariant.Format($"Map '{map.Name}' is no ring buffer of a valid size. {rule}"));

        var subject = Invariant.Format($"map '{map.Name}' ({map.Type})");
        var consumer = SafeMmapHandle.Map(map.Handle, (nuint)page, userSpaceProduces ? MemoryProtection.Read : MemoryProtection.ReadWrite, 0, subject + " consumer page");
        try
        {
            var producer = SafeMmapHandle.Map(map.Handle, (nuint)((ulong)page + 2 * size), userSpaceProduces ? MemoryProtection.ReadWrite : MemoryProtection.Read, page, subject + " producer page and data");
            return new RingMapping(consumer, producer, page, size, subject);
        }
        catch
        {
            consumer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// <c>consumer_pos</c> and <c>producer_pos</c>, consumer first (so the difference never goes negative), read under a
    /// reference on the mappings.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The mappings were disposed.</exception>
    internal (ulong Consumer, ulong Producer) LoadPositions()
    {
        using var lease = Acquire();
        var consumer = lease.View.LoadConsumerPosition();
        return (consumer, lease.View.LoadProducerPosition());
    }

    /// <summary>Takes a reference on both mappings for one read; dispose it to give them back.</summary>
    /// <exception cref="ObjectDisposedException">The mappings were disposed.</exception>
    internal RingLease Acquire() => new(this);

    /// <summary>
    /// Takes a reference on both mappings that outlives the call (a user ring buffer reservation holds one until it is
    /// submitted or discarded); <see cref="Release"/> gives it back. Not a lease: a reservation's reference is given back
    /// by the one header exchange that submits or discards it, which copies of the reservation cannot repeat, whereas
    /// each copy of a lease could dispose it again.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The mappings were disposed.</exception>
    internal void AddRef() => _references.AddRef();

    /// <summary>Gives back a reference taken by <see cref="AddRef"/>.</summary>
    internal void Release() => _references.Release();

    /// <summary>The view over the mapped memory; valid only while a reference is held.</summary>
    internal RingBufferView View() => _view;

    /// <summary>Whether both mappings were unmapped (tests check when).</summary>
    internal bool Unmapped => _references.Unmapped;

    /// <summary>Unmaps, once the last reference is given back. Idempotent.</summary>
    public void Dispose() => _references.Dispose();

    /// <summary>A reference on both mappings for the span of one read (never across an await).</summary>
    internal readonly ref struct RingLease(RingMapping mapping)
    {
        private readonly MappingReferences.Lease _lease = new(mapping._references);

        /// <summary>The ring's memory, mapped while the lease is held.</summary>
        internal RingBufferView View { get; } = mapping.View();

        public void Dispose() => _lease.Dispose();
    }
}
