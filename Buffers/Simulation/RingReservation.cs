namespace ManagedBpf.Buffers.Simulation;

/// <summary>
/// A record reserved in a <see cref="RingBufferSimulator"/> and not yet submitted or discarded: what
/// <c>bpf_ringbuf_reserve</c> hands a BPF program.
/// </summary>
public readonly struct RingReservation : IEquatable<RingReservation>
{
    internal RingReservation(ulong position, uint length)
    {
        Position = position;
        Length = length;
    }

    /// <summary>The free-running position of the record's header.</summary>
    public ulong Position { get; }

    /// <summary>The payload length that was reserved.</summary>
    public uint Length { get; }

    /// <inheritdoc/>
    public bool Equals(RingReservation other) => Position == other.Position && Length == other.Length;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is RingReservation other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Position, Length);

    /// <inheritdoc/>
    public override string ToString() => Invariant.Format($"{Length} bytes at 0x{Position:X}");

    /// <summary>Whether two reservations are the same record.</summary>
    public static bool operator ==(RingReservation left, RingReservation right) => left.Equals(right);

    /// <summary>Whether two reservations differ.</summary>
    public static bool operator !=(RingReservation left, RingReservation right) => !left.Equals(right);
}
