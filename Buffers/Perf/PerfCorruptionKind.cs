namespace ManagedBpf.Buffers.Perf;

/// <summary>What a <see cref="PerfCorruption"/> report is about.</summary>
public enum PerfCorruptionKind
{
    /// <summary>
    /// A sample of 64 KiB or more: its true size (<c>prefix + raw size</c>) did not fit the u16
    /// <c>header.size</c>, which holds it modulo 65,536. The kernel reserved only that truncated size but wrote the
    /// whole sample, spilling past its reservation. The sample is never delivered; the reader skips it by
    /// <c>header.size</c>, where the next record starts intact. A <c>header.size</c> shorter than the sample's prefix
    /// (8 with <c>PERF_SAMPLE_RAW</c>) leaves the raw size outside the record: the true size is then unknown (0).
    /// </summary>
    OversizedSample,

    /// <summary>
    /// Unread records that an oversized sample's spill can have overwritten (those whose positions lie below the
    /// sample's position plus its true size minus the ring size). They are not delivered. When the damage no longer
    /// parses, it is everything from the tail up to the oversized sample found past it.
    /// </summary>
    SpillDamage,

    /// <summary>
    /// A header that no kernel would write (see <see cref="PerfHeaderProblem"/>). Nothing after it in the batch can be
    /// trusted, so the rest of the batch is dropped and the reader continues from <c>data_head</c>.
    /// </summary>
    ImpossibleHeader,

    /// <summary>
    /// <c>data_head</c> and <c>data_tail</c> cannot both be right: the tail is misaligned, ahead of the head, or more
    /// than the ring's size behind it. Nothing is read; the reader continues from <c>data_head</c>.
    /// </summary>
    PositionsOutOfRange,
}
