namespace ManagedBpf.Buffers.Ring;

/// <summary>The sum of several drains (one per ring of a <see cref="RingBufferSet"/>), as one <see cref="RingConsumeResult"/>.</summary>
internal struct RingConsumeTotals
{
    private long _records, _payloadBytes, _discarded;
    private ulong _consumedBytes;
    private RingStopReason _reason;

    /// <summary>Adds a drain. The reason kept is the most telling: a handler's stop, then a BUSY record, then empty.</summary>
    internal void Add(in RingConsumeResult result)
    {
        _records += result.Records;
        _payloadBytes += result.PayloadBytes;
        _discarded += result.Discarded;
        _consumedBytes += result.ConsumedBytes;
        if (Rank(result.StopReason) > Rank(_reason))
            _reason = result.StopReason;
    }

    internal readonly RingConsumeResult ToResult() => new(_records, _payloadBytes, _discarded, _consumedBytes, _reason);

    private static int Rank(RingStopReason reason) => reason switch
    {
        RingStopReason.HandlerStopped => 3,
        RingStopReason.MaxRecords => 2,
        RingStopReason.Busy => 1,
        _ => 0,
    };
}
