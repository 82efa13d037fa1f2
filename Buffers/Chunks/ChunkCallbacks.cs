namespace ManagedBpf.Buffers.Chunks;

/// <summary>Receives a message rebuilt from all its chunks.</summary>
/// <param name="messageId">The message id the program gave it.</param>
/// <param name="message">The message bytes; valid only during the call.</param>
public delegate void ChunkMessageCallback(ulong messageId, ReadOnlySpan<byte> message);

/// <summary>Receives a message given up on before all its chunks arrived.</summary>
/// <param name="message">Which message, why, and which chunks are missing.</param>
public delegate void IncompleteMessageCallback(IncompleteMessage message);
