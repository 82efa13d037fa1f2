namespace ManagedBpf.Buffers;

/// <summary>
/// Thrown when the shared memory of a ring breaks the kernel ABI: a record whose length cannot fit,
/// a misaligned position, or a consumer position that is ahead of the producer (or more than the
/// ring's size behind it). The consumer stops before reading anything outside the mapping.
/// </summary>
/// <remarks>
/// The ring is left where the consumer stopped: the offending record is not committed, so draining
/// again throws again. Recovering means discarding the ring (recreating the map) or, if the cause is
/// known, storing a consumer position past the damage.
/// </remarks>
public sealed class RingCorruptedException : Exception
{
    /// <summary>Creates the exception with a generic message.</summary>
    public RingCorruptedException()
        : base("The ring's contents break the kernel ABI.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    /// <param name="message">Where and how the ring breaks the ABI.</param>
    public RingCorruptedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the exception that caused it.</summary>
    /// <param name="message">Where and how the ring breaks the ABI.</param>
    /// <param name="innerException">The underlying cause.</param>
    public RingCorruptedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with the positions that locate the damage.</summary>
    /// <param name="message">Where and how the ring breaks the ABI.</param>
    /// <param name="consumerPosition">The consumer position (<c>consumer_pos</c>) at the damage.</param>
    /// <param name="producerPosition">The producer position (<c>producer_pos</c>) the consumer had read.</param>
    /// <param name="ringSize">The size of the ring's data area in bytes.</param>
    /// <param name="recordLength">The raw <c>len</c> word of the offending record header, if a record was involved.</param>
    public RingCorruptedException(string message, ulong consumerPosition, ulong producerPosition, ulong ringSize, uint? recordLength)
        : base(message)
    {
        ConsumerPosition = consumerPosition;
        ProducerPosition = producerPosition;
        RingSize = ringSize;
        RecordLength = recordLength;
    }

    /// <summary>The consumer position at which the damage was found.</summary>
    public ulong ConsumerPosition { get; }

    /// <summary>The producer position the consumer had acquired when it found the damage.</summary>
    public ulong ProducerPosition { get; }

    /// <summary>The size of the ring's data area in bytes (0 when unknown).</summary>
    public ulong RingSize { get; }

    /// <summary>The byte offset of the damage in the data area: <see cref="ConsumerPosition"/> modulo <see cref="RingSize"/>.</summary>
    public ulong Offset => RingSize == 0 ? 0 : ConsumerPosition & (RingSize - 1);

    /// <summary>The raw <c>len</c> word of the offending record header (BUSY and DISCARD bits included), if any.</summary>
    public uint? RecordLength { get; }
}
