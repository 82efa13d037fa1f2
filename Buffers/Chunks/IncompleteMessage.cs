namespace ManagedBpf.Buffers.Chunks;

/// <summary>Why a <see cref="ChunkReassembler"/> gave up on a message.</summary>
public enum EvictionReason
{
    /// <summary>No chunk of it arrived while <see cref="ChunkReassemblerOptions.MaxIdleChunks"/> other chunks did.</summary>
    Stale,

    /// <summary>More than <see cref="ChunkReassemblerOptions.MaxMessagesInFlight"/> messages were in flight; it was the oldest.</summary>
    Capacity,

    /// <summary><see cref="ChunkReassembler.EvictAll"/> was called (for example at the end of a stream).</summary>
    Flushed,
}

/// <summary>A message evicted before all its chunks arrived.</summary>
/// <param name="MessageId">The message id.</param>
/// <param name="Count">The chunks the message was split into.</param>
/// <param name="MissingIndices">The indices of the chunks that never arrived, ascending.</param>
/// <param name="Reason">Why it was evicted.</param>
public sealed record IncompleteMessage(ulong MessageId, int Count, IReadOnlyList<int> MissingIndices, EvictionReason Reason);
