namespace ManagedBpf.Buffers.Ring;

/// <summary>What one drain of a ring buffer did.</summary>
public readonly struct RingConsumeResult
{
    internal RingConsumeResult(long records, long payloadBytes, long discarded, ulong consumedBytes, RingStopReason stopReason)
    {
        Records = records;
        PayloadBytes = payloadBytes;
        Discarded = discarded;
        ConsumedBytes = consumedBytes;
        StopReason = stopReason;
    }

    /// <summary>Records delivered to the handler.</summary>
    public long Records { get; }

    /// <summary>Payload bytes delivered to the handler.</summary>
    public long PayloadBytes { get; }

    /// <summary>Records skipped because the producer discarded them.</summary>
    public long Discarded { get; }

    /// <summary>How far the consumer position advanced, headers and padding included.</summary>
    public ulong ConsumedBytes { get; }

    /// <summary>Why the drain returned.</summary>
    public RingStopReason StopReason { get; }

    /// <inheritdoc/>
    public override string ToString() => Invariant.Format(
        $"{Records} records ({PayloadBytes} bytes), {Discarded} discarded, consumer advanced {ConsumedBytes} bytes, stopped: {StopReason}");
}
