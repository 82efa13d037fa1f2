using System.Runtime.CompilerServices;

namespace ManagedBpf.Buffers.Ring;

/// <summary>
/// Builds <see cref="RingCorruptedException"/>s out of the consumer's hot loop. The loop throws what these return: a
/// <c>throw</c> at the call site tells the JIT the path ends there, so it keeps no register free for after it (a call to a
/// throwing helper looks to the JIT like any call that returns, and cost the loop its registers).
/// </summary>
internal static class RingCorruption
{
    /// <summary>The positions themselves are impossible: misaligned, consumer ahead, or producer too far ahead.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static RingCorruptedException Positions(ulong consumer, ulong producer, ulong size)
    {
        string message;
        if ((consumer & (RingBufferAbi.RecordAlignment - 1)) != 0)
            message = Invariant.Format(
                $"The consumer position 0x{consumer:X} is not 8-byte aligned: records start on 8-byte boundaries, so consumer_pos was overwritten.");
        else if ((producer & (RingBufferAbi.RecordAlignment - 1)) != 0)
            message = Invariant.Format(
                $"The producer position 0x{producer:X} is not 8-byte aligned: the kernel only advances producer_pos by whole records.");
        else if (consumer - producer < producer - consumer)
            message = Invariant.Format(
                $"The consumer position 0x{consumer:X} is {consumer - producer} bytes ahead of the producer position 0x{producer:X}: the consumer cannot have read what was never published.");
        else
            message = Invariant.Format(
                $"The producer position 0x{producer:X} is {producer - consumer} bytes ahead of the consumer position 0x{consumer:X}, more than the {size}-byte ring can hold.");
        return new RingCorruptedException(message, consumer, producer, size, recordLength: null);
    }

    /// <summary>The record at <paramref name="consumer"/> declares a length that cannot fit.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static RingCorruptedException Record(ulong consumer, ulong producer, ulong size, uint length)
    {
        var header = new RingRecordHeader(length, 0);
        var footprint = header.Footprint;
        var where = Invariant.Format(
            $"The record at consumer position 0x{consumer:X} (offset {consumer & (size - 1)} of the {size}-byte ring) declares a {header.PayloadLength}-byte payload{(header.IsBusy ? " (BUSY)" : "")}{(header.IsDiscarded ? " (DISCARD)" : "")}, a {footprint}-byte record");
        var message = footprint > size
            ? where + " larger than the ring itself."
            : where + Invariant.Format(
                $", but the producer published only {producer - consumer} bytes from there (producer position 0x{producer:X}).");
        return new RingCorruptedException(message, consumer, producer, size, length);
    }
}
