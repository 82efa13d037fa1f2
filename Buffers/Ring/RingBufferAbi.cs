using System.Numerics;

namespace ManagedBpf.Buffers.Ring;

/// <summary>
/// The layout and position arithmetic of <c>BPF_MAP_TYPE_RINGBUF</c>, as defined by
/// include/uapi/linux/bpf.h and kernel/bpf/ringbuf.c. Pure: no memory is touched.
/// </summary>
/// <remarks>
/// Positions (<c>consumer_pos</c>, <c>producer_pos</c>) are free-running 64-bit byte counters that wrap at
/// 2^64. A position's place in the data area is <c>pos &amp; (size - 1)</c>; the bytes published but not yet
/// consumed are <c>producer_pos - consumer_pos</c>, an unsigned subtraction that stays right across the wrap.
/// </remarks>
public static class RingBufferAbi
{
    /// <summary>Set in a record's <c>len</c> while the producer still owns it (reserved, not yet committed).</summary>
    public const uint BPF_RINGBUF_BUSY_BIT = 1u << 31;

    /// <summary>Set in a record's <c>len</c> when the producer discarded it: the consumer skips it.</summary>
    public const uint BPF_RINGBUF_DISCARD_BIT = 1u << 30;

    /// <summary>Size of the record header <c>struct bpf_ringbuf_hdr { u32 len; u32 pg_off; }</c>.</summary>
    public const int BPF_RINGBUF_HDR_SZ = 8;

    /// <summary>
    /// <c>RINGBUF_MAX_RECORD_SZ</c> (UINT_MAX / 4): the largest payload <c>bpf_ringbuf_reserve</c> accepts.
    /// It keeps the length clear of the BUSY and DISCARD bits.
    /// </summary>
    public const uint RINGBUF_MAX_RECORD_SZ = uint.MaxValue / 4;

    /// <summary>Records start on this boundary: every footprint is a multiple of it.</summary>
    public const int RecordAlignment = 8;

    /// <summary>The bits of <c>len</c> that hold the payload length: everything but BUSY and DISCARD.</summary>
    public const uint PayloadLengthMask = ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);

    /// <summary>Where <paramref name="position"/> falls in a data area of <paramref name="ringSize"/> bytes.</summary>
    /// <param name="position">A free-running position.</param>
    /// <param name="ringSize">The data size, a power of two.</param>
    public static ulong Offset(ulong position, ulong ringSize) => position & (ringSize - 1);

    /// <summary>Bytes published by the producer and not yet consumed: <c>producer_pos - consumer_pos</c> modulo 2^64.</summary>
    /// <param name="producerPosition">The producer position.</param>
    /// <param name="consumerPosition">The consumer position.</param>
    public static ulong Available(ulong producerPosition, ulong consumerPosition) => producerPosition - consumerPosition;

    /// <summary>Bytes a record with a <paramref name="payloadLength"/>-byte payload occupies: <c>round_up(len + 8, 8)</c>.</summary>
    /// <param name="payloadLength">The payload length, without BUSY and DISCARD bits.</param>
    public static ulong RecordFootprint(uint payloadLength) =>
        ((ulong)payloadLength + BPF_RINGBUF_HDR_SZ + (RecordAlignment - 1)) & ~(ulong)(RecordAlignment - 1);

    /// <summary>
    /// Whether <paramref name="ringSize"/> is a data size the kernel accepts for <c>max_entries</c>:
    /// a power of two and a multiple of <paramref name="pageSize"/> (else map creation fails with EINVAL).
    /// </summary>
    /// <param name="ringSize">The proposed data size in bytes.</param>
    /// <param name="pageSize">The page size of the machine.</param>
    public static bool IsValidRingSize(ulong ringSize, ulong pageSize) =>
        BitOperations.IsPow2(ringSize) && BitOperations.IsPow2(pageSize) && ringSize >= pageSize;
}
