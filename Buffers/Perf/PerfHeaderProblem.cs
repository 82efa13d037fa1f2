namespace ManagedBpf.Buffers.Perf;

/// <summary>Why a record header is impossible (see <see cref="PerfCorruptionKind.ImpossibleHeader"/>).</summary>
public enum PerfHeaderProblem
{
    /// <summary>The header is fine (or the report is not about a header).</summary>
    None,

    /// <summary><c>header.size</c> is smaller than the 8-byte header itself.</summary>
    SizeBelowHeader,

    /// <summary><c>header.size</c> is not a multiple of 8: the kernel keeps every record 8-byte aligned.</summary>
    SizeNotAligned,

    /// <summary>The record runs past <c>data_head</c>: the kernel never publishes part of a record.</summary>
    PastDataHead,

    /// <summary><c>header.type</c> is 0 or a user-space type (64 and up): no kernel writes it into a ring.</summary>
    UnknownType,

    /// <summary>
    /// A sample is shorter than its fixed prefix (header, time, raw size). The reader no longer reports this: such a
    /// header is what a truncated sample leaves (<see cref="PerfCorruptionKind.OversizedSample"/> with an unknown
    /// true size). Kept so that existing code naming it still compiles.
    /// </summary>
    SampleShorterThanPrefix,

    /// <summary>
    /// A sample's <c>header.size</c> disagrees with its raw size in a way truncation to 16 bits cannot explain:
    /// it is neither <c>prefix + raw</c> nor <c>(prefix + raw) mod 65536</c>.
    /// </summary>
    SampleSizeMismatch,

    /// <summary>A <c>PERF_RECORD_LOST</c> shorter than its 24 bytes.</summary>
    LostRecordTooShort,
}
