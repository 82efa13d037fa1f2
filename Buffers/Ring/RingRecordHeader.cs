using System.Runtime.InteropServices;

namespace ManagedBpf.Buffers.Ring;

/// <summary>
/// The 8-byte header in front of every ring buffer record: <c>struct bpf_ringbuf_hdr { u32 len; u32 pg_off; }</c>,
/// in the byte order of the machine that wrote it (the kernel's, so the host's).
/// </summary>
/// <param name="length">The raw <c>len</c> word: payload length plus the BUSY and DISCARD bits.</param>
/// <param name="pageOffset">
/// The raw <c>pg_off</c> word: the kernel stores the header's distance in pages from its <c>struct bpf_ringbuf</c>
/// so that commit can find the ring again. Consumers do not need it.
/// </param>
public readonly struct RingRecordHeader(uint length, uint pageOffset) : IEquatable<RingRecordHeader>
{
    /// <summary>The raw <c>len</c> word, BUSY and DISCARD bits included.</summary>
    public uint Length { get; } = length;

    /// <summary>The raw <c>pg_off</c> word.</summary>
    public uint PageOffset { get; } = pageOffset;

    /// <summary>The record is reserved but not yet committed: a consumer must stop here.</summary>
    public bool IsBusy => (Length & RingBufferAbi.BPF_RINGBUF_BUSY_BIT) != 0;

    /// <summary>The record was discarded: a consumer skips it but still advances past it.</summary>
    public bool IsDiscarded => (Length & RingBufferAbi.BPF_RINGBUF_DISCARD_BIT) != 0;

    /// <summary>The payload length: <c>len &amp; ~(BUSY | DISCARD)</c>.</summary>
    public uint PayloadLength => Length & RingBufferAbi.PayloadLengthMask;

    /// <summary>Bytes the whole record occupies in the ring: <c>round_up(payload + 8, 8)</c>.</summary>
    public ulong Footprint => RingBufferAbi.RecordFootprint(PayloadLength);

    /// <summary>Decodes a header from the first 8 bytes of <paramref name="source"/> (host byte order).</summary>
    /// <param name="source">At least <see cref="RingBufferAbi.BPF_RINGBUF_HDR_SZ"/> bytes.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="source"/> is shorter than a header.</exception>
    public static RingRecordHeader Read(ReadOnlySpan<byte> source)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(source.Length, RingBufferAbi.BPF_RINGBUF_HDR_SZ, nameof(source));
        return new RingRecordHeader(MemoryMarshal.Read<uint>(source), MemoryMarshal.Read<uint>(source[4..]));
    }

    /// <summary>Encodes this header into the first 8 bytes of <paramref name="destination"/> (host byte order).</summary>
    /// <param name="destination">At least <see cref="RingBufferAbi.BPF_RINGBUF_HDR_SZ"/> bytes.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="destination"/> is shorter than a header.</exception>
    public void Write(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, RingBufferAbi.BPF_RINGBUF_HDR_SZ, nameof(destination));
        var length = Length;
        var pageOffset = PageOffset;
        MemoryMarshal.Write(destination, in length);
        MemoryMarshal.Write(destination[4..], in pageOffset);
    }

    /// <inheritdoc/>
    public bool Equals(RingRecordHeader other) => Length == other.Length && PageOffset == other.PageOffset;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is RingRecordHeader other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Length, PageOffset);

    /// <summary>Describes the header as the kernel would name its parts.</summary>
    public override string ToString() => Invariant.Format(
        $"bpf_ringbuf_hdr {{ len = {PayloadLength}{(IsBusy ? " | BUSY" : "")}{(IsDiscarded ? " | DISCARD" : "")}, pg_off = {PageOffset} }}");

    /// <summary>Whether two headers hold the same words.</summary>
    public static bool operator ==(RingRecordHeader left, RingRecordHeader right) => left.Equals(right);

    /// <summary>Whether two headers hold different words.</summary>
    public static bool operator !=(RingRecordHeader left, RingRecordHeader right) => !left.Equals(right);
}
