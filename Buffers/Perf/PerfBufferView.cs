using System.Numerics;
using System.Runtime.CompilerServices;

namespace ManagedBpf.Buffers.Perf;

/// <summary>
/// Raw memory laid out as the kernel maps one CPU's perf ring: the <c>perf_event_mmap_page</c> (with
/// <c>data_head</c>, <c>data_tail</c>, <c>data_offset</c>, <c>data_size</c>) and a data area of
/// <c>data_size</c> bytes, mapped once. A record's header never wraps (records are 8-byte aligned) but its
/// body can, so a body is read as up to two segments.
/// </summary>
/// <remarks>The view owns nothing: whoever mapped the memory keeps it alive while the view is used.</remarks>
public readonly unsafe struct PerfBufferView
{
    /// <summary>The largest data area supported: 2 GiB, so every span into it has an <see cref="int"/> length.</summary>
    public const ulong MaxDataSize = 1UL << 31;

    private readonly byte* _metaPage;
    private readonly byte* _data;
    private readonly ulong _mask;

    /// <summary>Describes a perf ring whose pages are already mapped.</summary>
    /// <param name="metaPage">The <c>perf_event_mmap_page</c> (read-write: the reader stores <c>data_tail</c>).</param>
    /// <param name="data">The data area.</param>
    /// <param name="dataSize">The size of the data area: a power of two from 8 bytes to <see cref="MaxDataSize"/>.</param>
    /// <exception cref="ArgumentNullException">A pointer is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dataSize"/> is not a power of two in range.</exception>
    /// <exception cref="ArgumentException">A pointer is not 8-byte aligned.</exception>
    public PerfBufferView(byte* metaPage, byte* data, ulong dataSize)
    {
        if (metaPage == null)
            throw new ArgumentNullException(nameof(metaPage));
        if (data == null)
            throw new ArgumentNullException(nameof(data));
        if (dataSize < PerfEventAbi.RecordAlignment || dataSize > MaxDataSize || !BitOperations.IsPow2(dataSize))
            throw new ArgumentOutOfRangeException(nameof(dataSize), dataSize, "The data area of a perf ring is a power of two from 8 bytes to 2 GiB.");
        // data_head and data_tail are accessed atomically, which needs natural alignment.
        if (((nuint)metaPage & 7) != 0 || ((nuint)data & 7) != 0)
            throw new ArgumentException("The perf_event_mmap_page and the data area must be 8-byte aligned.");
        _metaPage = metaPage;
        _data = data;
        _mask = dataSize - 1;
    }

    /// <summary>
    /// Describes a perf ring from its <c>perf_event_mmap_page</c> alone: the data area is at
    /// <c>data_offset</c> from the page and <c>data_size</c> long, as the kernel reports (Linux 4.1 and later).
    /// </summary>
    /// <param name="metaPage">The start of the mapping.</param>
    /// <param name="mappingLength">The length of the whole mapping, so the data area can be checked against it.</param>
    /// <exception cref="ArgumentException">The page describes a data area outside the mapping or of an invalid size.</exception>
    public static PerfBufferView FromMetaPage(byte* metaPage, ulong mappingLength)
    {
        if (metaPage == null)
            throw new ArgumentNullException(nameof(metaPage));
        var dataOffset = Volatile.Read(ref *(ulong*)(metaPage + PerfEventAbi.DataOffsetOffset));
        var dataSize = Volatile.Read(ref *(ulong*)(metaPage + PerfEventAbi.DataSizeOffset));
        if (dataOffset < PerfEventAbi.DataSizeOffset + sizeof(ulong) || dataOffset > mappingLength || dataSize > mappingLength - dataOffset)
            throw new ArgumentException(Invariant.Format(
                $"perf_event_mmap_page places the data area at {dataOffset} for {dataSize} bytes, outside the {mappingLength}-byte mapping."), nameof(metaPage));
        return new PerfBufferView(metaPage, metaPage + dataOffset, dataSize);
    }

    /// <summary>The size of the data area in bytes.</summary>
    public ulong DataSize => _mask + 1;

    /// <summary>The <c>perf_event_mmap_page</c>.</summary>
    public byte* MetaPage => _metaPage;

    /// <summary>The first byte of the data area.</summary>
    public byte* Data => _data;

    /// <summary>Whether this is the default value, describing no memory.</summary>
    public bool IsDefault => _data == null;

    /// <summary>Acquire-loads <c>data_head</c>: every record byte before it is then visible.</summary>
    public ulong LoadDataHead() => Volatile.Read(ref *(ulong*)(_metaPage + PerfEventAbi.DataHeadOffset));

    /// <summary>Loads <c>data_tail</c>, the reader's own position.</summary>
    public ulong LoadDataTail() => Volatile.Read(ref *(ulong*)(_metaPage + PerfEventAbi.DataTailOffset));

    /// <summary>
    /// Release-stores <c>data_tail</c>: the kernel may overwrite everything before <paramref name="position"/>, and
    /// every read of those bytes has completed before it can.
    /// </summary>
    /// <param name="position">The new tail, at a record boundary.</param>
    public void StoreDataTail(ulong position) => Volatile.Write(ref *(ulong*)(_metaPage + PerfEventAbi.DataTailOffset), position);

    /// <summary>Where <paramref name="position"/> falls in the data area.</summary>
    /// <param name="position">A free-running position.</param>
    public ulong OffsetOf(ulong position) => position & _mask;

    /// <summary>The record header at an 8-byte aligned <paramref name="position"/>.</summary>
    internal PerfEventHeader ReadHeader(ulong position) => Unsafe.BitCast<ulong, PerfEventHeader>(ReadUInt64(position));

    /// <summary>A u32 at a 4-byte aligned <paramref name="position"/>: it cannot straddle the end.</summary>
    internal uint ReadUInt32(ulong position) => Unsafe.Read<uint>(_data + (position & _mask));

    /// <summary>A u64 at an 8-byte aligned <paramref name="position"/>: it cannot straddle the end.</summary>
    internal ulong ReadUInt64(ulong position) => Unsafe.Read<ulong>(_data + (position & _mask));

    /// <summary>
    /// The <paramref name="length"/> bytes from <paramref name="position"/> as the part up to the end of the data
    /// area and the part that wrapped to its start. The caller keeps <paramref name="length"/> within
    /// <see cref="DataSize"/>.
    /// </summary>
    internal void Segments(ulong position, uint length, out ReadOnlySpan<byte> first, out ReadOnlySpan<byte> second)
    {
        var offset = position & _mask;
        var untilEnd = _mask + 1 - offset;
        if (length <= untilEnd)
        {
            first = new ReadOnlySpan<byte>(_data + offset, (int)length);
            second = default;
        }
        else
        {
            first = new ReadOnlySpan<byte>(_data + offset, (int)untilEnd);
            second = new ReadOnlySpan<byte>(_data, (int)(length - untilEnd));
        }
    }
}
