namespace ManagedBpf.Buffers.Chunks;

/// <summary>The memory bounds of a <see cref="ChunkReassembler"/>.</summary>
public sealed record ChunkReassemblerOptions
{
    /// <summary>Incomplete messages held at once (default 64); a new one beyond it evicts the oldest.</summary>
    public int MaxMessagesInFlight { get; init; } = 64;

    /// <summary>
    /// The largest message accepted (default and maximum: <see cref="ChunkHeader.MaxChunks"/> ×
    /// <see cref="ChunkHeader.MaxData"/>). Chunks of a message whose count implies more are rejected.
    /// </summary>
    public int MaxMessageSize { get; init; } = ChunkHeader.MaxChunks * ChunkHeader.MaxData;

    /// <summary>An incomplete message is stale, and evicted, once this many chunks of other messages arrived since its last one (default 1,024).</summary>
    public int MaxIdleChunks { get; init; } = 1024;
}
