namespace ManagedBpf.Buffers.Perf;

/// <summary>
/// A report of perf ring contents that break the ABI, handed to <see cref="IPerfRecordHandler.OnCorruption"/>.
/// Which members are meaningful depends on <see cref="Kind"/>; <see cref="ToString"/> says where and what in words.
/// </summary>
public readonly struct PerfCorruption
{
    private PerfCorruption(
        PerfCorruptionKind kind, int cpu, ulong position, ulong dataSize, ulong dataTail, ulong dataHead,
        PerfEventHeader header, PerfHeaderProblem problem, ulong trueSize, ulong spillSource, long recordCount, ulong byteCount)
    {
        Kind = kind;
        Cpu = cpu;
        Position = position;
        DataSize = dataSize;
        DataTail = dataTail;
        DataHead = dataHead;
        Header = header;
        Problem = problem;
        TrueSize = trueSize;
        SpillSource = spillSource;
        RecordCount = recordCount;
        ByteCount = byteCount;
    }

    /// <summary>What is wrong.</summary>
    public PerfCorruptionKind Kind { get; }

    /// <summary>The CPU whose ring is affected.</summary>
    public int Cpu { get; }

    /// <summary>
    /// Where: the oversized sample's or the impossible header's position; the first damaged record's position for
    /// <see cref="PerfCorruptionKind.SpillDamage"/>; <c>data_tail</c> for <see cref="PerfCorruptionKind.PositionsOutOfRange"/>.
    /// </summary>
    public ulong Position { get; }

    /// <summary>The byte offset of <see cref="Position"/> in the data area.</summary>
    public ulong Offset => Position & (DataSize - 1);

    /// <summary>The size of the data area.</summary>
    public ulong DataSize { get; }

    /// <summary><c>data_tail</c> when the batch was read.</summary>
    public ulong DataTail { get; }

    /// <summary><c>data_head</c> when the batch was read.</summary>
    public ulong DataHead { get; }

    /// <summary>The header at <see cref="Position"/> (oversized sample and impossible header).</summary>
    public PerfEventHeader Header { get; }

    /// <summary>Why the header is impossible (<see cref="PerfCorruptionKind.ImpossibleHeader"/> only).</summary>
    public PerfHeaderProblem Problem { get; }

    /// <summary>
    /// The oversized sample's true size, <c>prefix + raw size</c>, of which <c>header.size</c> kept only the low 16 bits
    /// (<see cref="PerfCorruptionKind.OversizedSample"/>, and the spilling sample's for <see cref="PerfCorruptionKind.SpillDamage"/>).
    /// 0 when it is unknown: a <c>header.size</c> below the sample's prefix leaves the raw size outside the record,
    /// where the next record overwrites it.
    /// </summary>
    public ulong TrueSize { get; }

    /// <summary>The position of the oversized sample whose spill reached the damaged records (<see cref="PerfCorruptionKind.SpillDamage"/>).</summary>
    public ulong SpillSource { get; }

    /// <summary>
    /// Records not delivered because of this report: 1 for an oversized sample; for spill damage, the records as the
    /// walk reads them now (what the spill left there, not necessarily the records the kernel wrote).
    /// </summary>
    public long RecordCount { get; }

    /// <summary>
    /// Bytes not delivered because of this report: the damaged or dropped bytes, the truncated size skipped, or for
    /// impossible positions the bytes skipped (at most the ring's size). The reports of a read add up to
    /// <see cref="PerfReadResult.CorruptedBytes"/>.
    /// </summary>
    public ulong ByteCount { get; }

    /// <summary>Describes the report in words: what, where (CPU, position, offset) and how much.</summary>
    public override string ToString()
    {
        var where = Invariant.Format($"CPU {Cpu}, position 0x{Position:X} (offset {Offset} of the {DataSize}-byte ring)");
        return Kind switch
        {
            PerfCorruptionKind.OversizedSample when TrueSize == 0 => Invariant.Format(
                $"Oversized sample at {where}: header.size holds only {Header.Size}, less than the sample's fixed prefix, so its true size was at least {Header.Size + 65536UL} bytes (a payload of 64 KiB or more); its raw size lay past the {Header.Size} bytes the kernel reserved and was overwritten, so the exact size is unknown. The sample was not delivered."),
            PerfCorruptionKind.OversizedSample => Invariant.Format(
                $"Oversized sample at {where}: its true size is {TrueSize} bytes but header.size holds only {Header.Size} ({TrueSize} mod 65536). The kernel reserved {Header.Size} bytes and wrote {TrueSize}, spilling {TrueSize - Header.Size} bytes past the reservation; the sample was not delivered."),
            PerfCorruptionKind.SpillDamage => Invariant.Format(
                $"Spill damage at {where}: {RecordCount} unread records ({ByteCount} bytes) lie where the oversized sample at 0x{SpillSource:X} ({(TrueSize == 0 ? "true size unknown" : Invariant.Format($"true size {TrueSize} bytes"))}) wrapped around the ring; they were not delivered."),
            PerfCorruptionKind.ImpossibleHeader => Invariant.Format(
                $"Impossible record header at {where}: {Header} ({Describe(Problem)}). The rest of the batch, {ByteCount} bytes up to data_head 0x{DataHead:X}, was dropped. The usual cause is a sample of 64 KiB or more (keep payloads at most 65,516 bytes with PERF_SAMPLE_RAW): its spill wraps around the ring over the unread records, and its own header too when its true size exceeds the ring, so nothing is left to name it."),
            PerfCorruptionKind.PositionsOutOfRange => Invariant.Format(
                $"Impossible positions on CPU {Cpu}: data_tail 0x{DataTail:X} and data_head 0x{DataHead:X} do not describe a readable stretch of the {DataSize}-byte ring (misaligned, tail ahead of head, or more than the ring apart). The reader skipped to data_head, counting {ByteCount} bytes as discarded."),
            _ => Kind.ToString(),
        };
    }

    /// <summary>An oversized sample; <paramref name="trueSize"/> is 0 when unknown.</summary>
    internal static PerfCorruption Oversized(int cpu, ulong position, ulong dataSize, ulong tail, ulong head, PerfEventHeader header, ulong trueSize) =>
        new(PerfCorruptionKind.OversizedSample, cpu, position, dataSize, tail, head, header, PerfHeaderProblem.None, trueSize, position, 1, header.Size);

    internal static PerfCorruption Spill(int cpu, ulong firstDamaged, ulong dataSize, ulong tail, ulong head, ulong source, ulong sourceTrueSize, long records, ulong bytes) =>
        new(PerfCorruptionKind.SpillDamage, cpu, firstDamaged, dataSize, tail, head, default, PerfHeaderProblem.None, sourceTrueSize, source, records, bytes);

    internal static PerfCorruption Impossible(int cpu, ulong position, ulong dataSize, ulong tail, ulong head, PerfEventHeader header, PerfHeaderProblem problem) =>
        new(PerfCorruptionKind.ImpossibleHeader, cpu, position, dataSize, tail, head, header, problem, 0, 0, 0, head - position);

    internal static PerfCorruption Positions(int cpu, ulong dataSize, ulong tail, ulong head) =>
        new(PerfCorruptionKind.PositionsOutOfRange, cpu, tail, dataSize, tail, head, default, PerfHeaderProblem.None, 0, 0, 0, SkippedBytes(dataSize, tail, head));

    /// <summary>The bytes impossible positions make the reader skip: <c>head - tail</c>, but never more than one ring (a ring cannot hold more unread).</summary>
    internal static ulong SkippedBytes(ulong dataSize, ulong tail, ulong head) => Math.Min(head - tail, dataSize);

    private static string Describe(PerfHeaderProblem problem) => problem switch
    {
        PerfHeaderProblem.SizeBelowHeader => "size is below the 8-byte header",
        PerfHeaderProblem.SizeNotAligned => "size is not a multiple of 8",
        PerfHeaderProblem.PastDataHead => "the record runs past data_head",
        PerfHeaderProblem.UnknownType => "no kernel writes this record type into a ring",
        PerfHeaderProblem.SampleShorterThanPrefix => "the sample is shorter than its fixed prefix",
        PerfHeaderProblem.SampleSizeMismatch => "header.size disagrees with the sample's raw size",
        PerfHeaderProblem.LostRecordTooShort => "a PERF_RECORD_LOST is 24 bytes at least",
        _ => problem.ToString(),
    };
}
