namespace ManagedBpf.Buffers.Perf;

/// <summary>
/// The positions of a perf ring whose records a read found valid, with no spill onto them, and left unread because its
/// handler stopped part way: <c>[From, To)</c>, empty at first. Free-running positions, compared relative to each other.
/// </summary>
internal struct PerfValidatedRange
{
    /// <summary>The tail of the read that validated the range.</summary>
    public ulong From;

    /// <summary>The head it validated up to.</summary>
    public ulong To;

    /// <summary>How far past <paramref name="tail"/> the records are known valid: 0 unless the tail lies in the range.</summary>
    public readonly ulong ValidPast(ulong tail, ulong available) =>
        tail - From <= To - From && To - tail <= available ? To - tail : 0;
}
