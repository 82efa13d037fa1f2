namespace ManagedBpf.Buffers.Ring;

/// <summary>When a <see cref="RingConsumer"/> publishes <c>consumer_pos</c> back to the producer.</summary>
public enum RingCommitPolicy
{
    /// <summary>
    /// After every record, as libbpf does: space returns to the producer as soon as possible, at the cost of
    /// one store to a shared cache line per record.
    /// </summary>
    PerRecord,

    /// <summary>
    /// Once per batch (each time the consumer catches up with the <c>producer_pos</c> it read, and when it stops):
    /// fewer shared stores, but the producer sees the space later and may drop records on a nearly full ring.
    /// </summary>
    PerBatch,
}
