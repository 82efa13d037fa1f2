namespace ManagedBpf.Buffers.Ring;

/// <summary>
/// Room reserved in a <see cref="UserRingBuffer"/>: write the record into <see cref="Span"/>, then
/// <see cref="Submit"/> it or <see cref="Discard"/> it, exactly once. Until then the record is BUSY and the kernel's
/// <c>bpf_user_ringbuf_drain</c> stops at it, holding back the records reserved after it.
/// </summary>
/// <remarks>
/// A ref struct, so the span into the mapping cannot outlive the reservation's scope. The reservation holds a
/// reference on the mapping, so disposing the buffer on another thread does not unmap the memory being written; a
/// reservation never submitted or discarded keeps the mapping (and the ring) blocked.
/// </remarks>
public readonly ref struct UserRingReservation
{
    private readonly UserRingBuffer? _owner;

    internal UserRingReservation(UserRingBuffer owner, ulong position, Span<byte> span)
    {
        _owner = owner;
        Position = position;
        Span = span;
    }

    /// <summary>The record's bytes, in the ring's mapping: write the whole record here.</summary>
    public Span<byte> Span { get; }

    /// <summary>The record's length, as reserved.</summary>
    public int Length => Span.Length;

    /// <summary>The free-running position of the record's header.</summary>
    public ulong Position { get; }

    /// <summary>Commits the record: clears BUSY with a release exchange, so the kernel sees the bytes written before it.</summary>
    /// <exception cref="InvalidOperationException">The record was already submitted or discarded, or this is a default reservation.</exception>
    public void Submit() => Owner.Commit(Position, Span.Length, discard: false);

    /// <summary>Gives the room up: the kernel skips the record (the DISCARD bit) and moves past it.</summary>
    /// <exception cref="InvalidOperationException">The record was already submitted or discarded, or this is a default reservation.</exception>
    public void Discard() => Owner.Commit(Position, Span.Length, discard: true);

    private UserRingBuffer Owner => _owner ?? throw new InvalidOperationException("This reservation holds no room (it is the default value).");
}
