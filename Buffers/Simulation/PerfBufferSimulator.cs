using ManagedBpf.Kernel;
using System.Numerics;
using System.Runtime.InteropServices;
using ManagedBpf.Buffers.Perf;

namespace ManagedBpf.Buffers.Simulation;

/// <summary>
/// A managed model of one CPU's perf ring as <c>bpf_perf_event_output</c> fills it for a
/// <c>PERF_COUNT_SW_BPF_OUTPUT</c> event, over native memory laid out as the kernel maps it: a
/// <c>perf_event_mmap_page</c> followed by the data area (mapped once). <see cref="View"/> is read by the same
/// <see cref="PerfConsumer"/> that reads the kernel's rings.
/// </summary>
/// <remarks>
/// <para>What it reproduces (kernel/events/core.c, kernel/events/ring_buffer.c):</para>
/// <list type="bullet">
/// <item>Raw size and padding (<c>perf_prepare_sample</c>): the raw size is <c>round_up(len + 4, 8) - 4</c>, so the
/// u32 size and the data end 8-byte aligned and <c>header.size == prefix + raw size</c>; the raw size written is the
/// padded one. In the kernel sources read for this model, <c>perf_output_sample</c> skips the pad bytes
/// (<c>__output_skip</c>) rather than writing them, so they keep whatever the ring held; the model does the same.
/// Readers must treat pad bytes as unspecified either way.</item>
/// <item>Space (<c>__perf_output_begin</c>): a record is written only if
/// <c>CIRC_SPACE(head, tail, size) = (tail - head - 1) mod size</c> is at least its size, so at most
/// <c>size - 8</c> bytes are ever unread. Otherwise the record is dropped and the ring's lost count grows.</item>
/// <item>Lost records: while the lost count is not 0, the next output also reserves room for a
/// <c>PERF_RECORD_LOST { header; u64 id; u64 lost; }</c> in front of its sample and writes the count there (resetting
/// it); if that combined reservation does not fit, the sample is lost too.</item>
/// <item>The 64 KiB problem: <c>header.size</c> is a u16, so a sample whose true size is 65,536 or more gets the true
/// size modulo 65,536. Only that truncated size is reserved (and added to <c>data_head</c>), yet the whole sample is
/// written, wrapping around the data area over whatever lies there, unread records and its own header included.</item>
/// </list>
/// <para>Not thread-safe: one producer thread at a time. A reader may run on another thread through <see cref="View"/>.</para>
/// </remarks>
public sealed unsafe class PerfBufferSimulator : IDisposable
{
    private readonly GuardedMemory _memory;
    private ulong _head;

    /// <summary>Creates an empty ring.</summary>
    /// <param name="dataSize">The data area: a power of two and a multiple of <paramref name="pageSize"/> (2^n pages).</param>
    /// <param name="layout">The event's sample layout.</param>
    /// <param name="cpu">The CPU the ring belongs to.</param>
    /// <param name="startPosition">Where <c>data_head</c> and <c>data_tail</c> start (8-byte aligned); the kernel starts at 0.</param>
    /// <param name="pageSize">The page size to model: a power of two of at least 4096.</param>
    /// <param name="eventId">The event id the kernel writes into <c>PERF_RECORD_LOST</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size or the start position breaks the kernel's rules.</exception>
    public PerfBufferSimulator(ulong dataSize, PerfSampleLayout layout, int cpu = 0, ulong startPosition = 0, int pageSize = 4096, ulong eventId = 1)
    {
        if (pageSize < 4096 || !BitOperations.IsPow2(pageSize))
            throw new ArgumentOutOfRangeException(nameof(pageSize), pageSize, "A page is a power of two of at least 4096 bytes.");
        if (!BitOperations.IsPow2(dataSize) || dataSize < (ulong)pageSize || dataSize > PerfBufferView.MaxDataSize)
            throw new ArgumentOutOfRangeException(nameof(dataSize), dataSize, "A perf ring's data area is 2^n pages, at most 2 GiB.");
        if ((startPosition & (PerfEventAbi.RecordAlignment - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(startPosition), startPosition, "Records are 8-byte aligned, so positions are too.");

        DataSize = dataSize;
        Layout = layout;
        Cpu = cpu;
        EventId = eventId;
        PageSize = pageSize;
        _memory = GuardedMemory.Allocate((nuint)((ulong)pageSize + dataSize));
        var meta = Meta;
        *(ulong*)(meta + PerfEventAbi.DataHeadOffset) = startPosition;
        *(ulong*)(meta + PerfEventAbi.DataTailOffset) = startPosition;
        *(ulong*)(meta + PerfEventAbi.DataOffsetOffset) = (ulong)pageSize;
        *(ulong*)(meta + PerfEventAbi.DataSizeOffset) = dataSize;
        _head = startPosition;
    }

    /// <summary>The size of the data area.</summary>
    public ulong DataSize { get; }

    /// <summary>The sample layout written.</summary>
    public PerfSampleLayout Layout { get; }

    /// <summary>The CPU the ring belongs to.</summary>
    public int Cpu { get; }

    /// <summary>The event id written into <c>PERF_RECORD_LOST</c>.</summary>
    public ulong EventId { get; }

    /// <summary>The page size modelled (the data area starts one page into the mapping).</summary>
    public int PageSize { get; }

    /// <summary>The ring's memory, for a reader: the same layout as the kernel's mapping.</summary>
    /// <exception cref="ObjectDisposedException">The simulator was disposed.</exception>
    public PerfBufferView View => PerfBufferView.FromMetaPage(Meta, (ulong)PageSize + DataSize);

    /// <summary>The published <c>data_head</c>.</summary>
    public ulong DataHead => Volatile.Read(ref *(ulong*)(Meta + PerfEventAbi.DataHeadOffset));

    /// <summary>The <c>data_tail</c> the reader last stored.</summary>
    public ulong DataTail => Volatile.Read(ref *(ulong*)(Meta + PerfEventAbi.DataTailOffset));

    /// <summary>Records dropped and not yet reported in a <c>PERF_RECORD_LOST</c> (the kernel's <c>rb-&gt;lost</c>).</summary>
    public ulong PendingLost { get; private set; }

    /// <summary>Every record dropped so far.</summary>
    public ulong TotalLost { get; private set; }

    private byte* Meta
    {
        get
        {
            ObjectDisposedException.ThrowIf(_memory.IsClosed, this);
            return _memory.Pointer;
        }
    }

    /// <summary>
    /// <c>bpf_perf_event_output</c>: writes <paramref name="payload"/> as a raw sample (after a
    /// <c>PERF_RECORD_LOST</c> if records were dropped since the last one), or drops it when there is no room.
    /// Payloads that make the sample 64 KiB or more are truncated and spill exactly as the kernel's do.
    /// </summary>
    /// <param name="payload">The bytes the program passes.</param>
    /// <param name="record">Where the sample went, when the method returns <see langword="true"/>.</param>
    /// <param name="time">The <c>PERF_SAMPLE_TIME</c> value, written when the layout has time.</param>
    /// <returns><see langword="false"/> when the sample was dropped (the kernel returns -ENOSPC and counts it lost).</returns>
    public bool TryOutput(ReadOnlySpan<byte> payload, out PerfOutputRecord record, ulong time = 0)
    {
        var meta = Meta;
        var rawSize = PerfSampleLayout.PaddedRawSize((ulong)payload.Length);
        var trueSize = (ulong)Layout.PrefixSize + rawSize;
        var headerSize = (ushort)trueSize; // the u16 truncation the kernel performs
        ulong reserve = headerSize;
        var lost = PendingLost;
        if (lost != 0)
            reserve += PerfEventAbi.LostRecordSize;

        var tail = Volatile.Read(ref *(ulong*)(meta + PerfEventAbi.DataTailOffset));
        if (((tail - (_head + 1)) & (DataSize - 1)) < reserve)
        {
            PendingLost++;
            TotalLost++;
            record = default;
            return false;
        }

        var position = _head;
        var lostPosition = 0UL;
        if (lost != 0)
        {
            lostPosition = position;
            Span<ulong> lostRecord = [0, EventId, lost];
            new PerfEventHeader(PerfEventAbi.PERF_RECORD_LOST, 0, PerfEventAbi.LostRecordSize).Write(MemoryMarshal.AsBytes(lostRecord));
            Write(position, MemoryMarshal.AsBytes(lostRecord));
            PendingLost = 0;
            position += PerfEventAbi.LostRecordSize;
        }

        Span<byte> prefix = stackalloc byte[Layout.PrefixSize];
        new PerfEventHeader(PerfEventAbi.PERF_RECORD_SAMPLE, 0, headerSize).Write(prefix);
        if (Layout.HasTime)
            MemoryMarshal.Write(prefix[PerfSampleLayout.TimeOffset..], in time);
        var raw = (uint)rawSize;
        MemoryMarshal.Write(prefix[Layout.RawSizeOffset..], in raw);
        Write(position, prefix);
        Write(position + (ulong)prefix.Length, payload);
        // The pad bytes are skipped, not written.

        _head += reserve;
        // perf_output_put_handle: the data before data_head (smp_wmb, then the store).
        Volatile.Write(ref *(ulong*)(meta + PerfEventAbi.DataHeadOffset), _head);
        record = new PerfOutputRecord(position, headerSize, trueSize, raw, lost, lostPosition);
        return true;
    }

    /// <summary>Frees the ring's memory. Views taken from it must no longer be used.</summary>
    public void Dispose() => _memory.Dispose();

    private void Write(ulong position, ReadOnlySpan<byte> bytes) => WrappedWrite.To(Meta + PageSize, DataSize, position, bytes);
}
