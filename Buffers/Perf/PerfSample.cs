namespace ManagedBpf.Buffers.Perf;

/// <summary>
/// One <c>PERF_RECORD_SAMPLE</c>'s raw data, pointing into the ring (no copy). The data area is mapped once, so a
/// sample whose body wraps past the end arrives as two segments: <see cref="First"/> up to the end of the data area
/// and <see cref="Second"/> from its start. Use <see cref="GetContiguous"/> or <see cref="CopyTo"/> for one span.
/// </summary>
/// <remarks>
/// The spans are valid only during the handler call: once <c>data_tail</c> passes the record the kernel may
/// overwrite it. The length is the kernel's padded raw size (<see cref="PerfSampleLayout.PaddedRawSize"/>), so up to
/// 7 bytes past what the program wrote may follow the program's data.
/// </remarks>
public readonly ref struct PerfSample
{
    internal PerfSample(int cpu, ulong position, ulong time, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        Cpu = cpu;
        Position = position;
        Time = time;
        First = first;
        Second = second;
    }

    /// <summary>The CPU whose ring held the sample.</summary>
    public int Cpu { get; }

    /// <summary>The free-running position of the record's header in the ring.</summary>
    public ulong Position { get; }

    /// <summary>The <c>PERF_SAMPLE_TIME</c> value, or 0 when the layout has no time.</summary>
    public ulong Time { get; }

    /// <summary>The raw data up to the end of the data area (all of it unless the body wraps).</summary>
    public ReadOnlySpan<byte> First { get; }

    /// <summary>The raw data that wrapped to the start of the data area; empty unless the body wraps.</summary>
    public ReadOnlySpan<byte> Second { get; }

    /// <summary>The raw size: the length of both segments together.</summary>
    public int Length => First.Length + Second.Length;

    /// <summary>Whether the raw data is in one piece (<see cref="Second"/> is empty).</summary>
    public bool IsContiguous => Second.IsEmpty;

    /// <summary>Copies the raw data into <paramref name="destination"/>.</summary>
    /// <param name="destination">At least <see cref="Length"/> bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public void CopyTo(Span<byte> destination)
    {
        if (destination.Length < Length)
            throw new ArgumentException(Invariant.Format($"The destination holds {destination.Length} bytes; the sample has {Length}."), nameof(destination));
        First.CopyTo(destination);
        Second.CopyTo(destination[First.Length..]);
    }

    /// <summary>
    /// The raw data as one span: <see cref="First"/> itself when the body does not wrap (no copy), else the two
    /// segments copied into <paramref name="scratch"/>.
    /// </summary>
    /// <param name="scratch">Room for a wrapped sample: at least <see cref="Length"/> bytes when it wraps.</param>
    /// <exception cref="ArgumentException">The body wraps and <paramref name="scratch"/> is too short.</exception>
    public ReadOnlySpan<byte> GetContiguous(Span<byte> scratch)
    {
        if (IsContiguous)
            return First;
        CopyTo(scratch);
        return scratch[..Length];
    }
}
