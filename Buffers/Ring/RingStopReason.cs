namespace ManagedBpf.Buffers.Ring;

/// <summary>Why a drain of a ring buffer returned.</summary>
public enum RingStopReason
{
    /// <summary>The consumer caught up with the producer: nothing was left to read.</summary>
    Empty,

    /// <summary>
    /// The next record is reserved but not yet committed (its header has the BUSY bit). Records after it may
    /// already be committed; they are delivered once it is committed or discarded.
    /// </summary>
    Busy,

    /// <summary>The requested number of records was delivered.</summary>
    MaxRecords,

    /// <summary>The handler returned <see langword="false"/>.</summary>
    HandlerStopped,
}
