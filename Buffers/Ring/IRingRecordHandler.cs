namespace ManagedBpf.Buffers.Ring;

/// <summary>
/// Receives ring buffer records. Implement it on a struct and pass it by <c>ref</c> to
/// <see cref="RingConsumer.Consume{THandler}(in RingBufferView, ref THandler, RingCommitPolicy)"/>: the consumer is
/// generic over the struct, so the JIT specializes the loop for it and can inline <see cref="OnRecord"/>.
/// </summary>
public interface IRingRecordHandler
{
    /// <summary>Handles one committed record.</summary>
    /// <param name="payload">
    /// The payload, pointing into the ring's mapping (no copy). It is valid only during this call: once the
    /// consumer position passes the record, the producer may overwrite it. Copy what must outlive the call.
    /// </param>
    /// <returns>
    /// <see langword="true"/> to continue; <see langword="false"/> to stop the drain. The record is consumed
    /// either way: its position is committed, so it is not delivered again.
    /// </returns>
    bool OnRecord(ReadOnlySpan<byte> payload);
}
