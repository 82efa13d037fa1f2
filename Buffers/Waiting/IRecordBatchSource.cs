namespace ManagedBpf.Buffers.Waiting;

/// <summary>What <see cref="RecordStream"/> needs of a reader: its waiter, a drain of the ready rings, and its pending records.</summary>
internal interface IRecordBatchSource
{
    /// <summary>The reader's waiter.</summary>
    ReadinessWaiter Waiter { get; }

    /// <summary>
    /// Records taken from the rings and not yet yielded. They belong to the reader, not to one stream, so a stream that
    /// ends early (a <c>break</c> out of <c>await foreach</c>) leaves them to the next stream instead of losing them.
    /// </summary>
    PendingRecords Pending { get; }

    /// <summary>Delivers what the ready rings hold to <paramref name="collector"/> until it stops.</summary>
    void ReadReady(ref RecordCollector collector);

    /// <summary>The metric tags of the ring a <see cref="PendingRecords.Entry.Source"/> names.</summary>
    KeyValuePair<string, object?>[] MetricTags(int source);
}
