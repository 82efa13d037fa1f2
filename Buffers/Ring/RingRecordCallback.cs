namespace ManagedBpf.Buffers.Ring;

/// <summary>
/// Receives one ring buffer record's payload (a delegate type of its own because a span cannot be a generic
/// argument of <see cref="Action{T}"/>).
/// </summary>
/// <param name="payload">The payload, pointing into the ring's mapping and valid only during the call.</param>
public delegate void RingRecordCallback(ReadOnlySpan<byte> payload);
