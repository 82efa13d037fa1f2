using System.Runtime.CompilerServices;

namespace ManagedBpf.Buffers.Perf;

/// <summary>A record header and the verdict on it.</summary>
internal readonly struct PerfRecordCheck
{
    private PerfRecordCheck(PerfRecordClass @class, ulong header, uint rawSize, PerfHeaderProblem problem, ulong trueSize = 0)
    {
        Class = @class;
        HeaderWord = header;
        RawSize = rawSize;
        Problem = problem;
        TrueSize = trueSize;
    }

    internal PerfRecordClass Class { get; }

    /// <summary>
    /// The header's 8 bytes as one word, as loaded from the ring. Kept whole: a word read back from a header stored as
    /// its three fields waits for the stores to retire (no store-to-load forwarding), which cost a read ~10 ns.
    /// </summary>
    internal ulong HeaderWord { get; }

    internal PerfEventHeader Header => Unsafe.BitCast<ulong, PerfEventHeader>(HeaderWord);

    /// <summary>The u32 raw size of a sample (well-formed or oversized).</summary>
    internal uint RawSize { get; }

    internal PerfHeaderProblem Problem { get; }

    /// <summary>
    /// An oversized sample's true size, <c>prefix + raw size</c>; 0 when its raw size lies past <c>header.size</c>
    /// (a truncated size below the prefix), where the next record overwrote it.
    /// </summary>
    internal ulong TrueSize { get; }

    /// <summary>
    /// How far past its position an oversized sample certainly wrote: its true size, or when that is unknown the
    /// least true size its <c>header.size</c> allows (65,536 more).
    /// </summary>
    internal ulong SpillSize => TrueSize != 0 ? TrueSize : (ulong)Header.Size + PerfEventAbi.MaxRecordSize + 1;

    /// <summary>
    /// Checks the record at <paramref name="position"/>, which has <paramref name="remaining"/> published bytes
    /// (up to <c>data_head</c>) from its start. Reads only the header and, for a sample, its raw size, both inside
    /// the record's own <c>header.size</c> bytes.
    /// </summary>
    /// <remarks>Not forced inline: the reader calls it only off its fast path (runs of equal samples), where four inlined copies crowded its registers.</remarks>
    internal static PerfRecordCheck Of(in PerfBufferView buffer, ulong position, ulong remaining, PerfSampleLayout layout)
    {
        var word = buffer.ReadUInt64(position);
        var header = Unsafe.BitCast<ulong, PerfEventHeader>(word); // buffer.ReadHeader's decoding of the same word
        var size = header.Size;
        if (size < PerfEventAbi.HeaderSize)
            return Impossible(word, PerfHeaderProblem.SizeBelowHeader);
        if ((size & (PerfEventAbi.RecordAlignment - 1)) != 0)
            return Impossible(word, PerfHeaderProblem.SizeNotAligned);
        if (size > remaining)
            return Impossible(word, PerfHeaderProblem.PastDataHead);

        switch (header.Type)
        {
            case PerfEventAbi.PERF_RECORD_SAMPLE:
                // Shorter than its prefix: no well-formed sample is (its raw size is at least 4), but a truncated one
                // is: payloads of 65,525..65,532 bytes give header.size 8 with PERF_SAMPLE_RAW. The kernel reserved
                // (and published) exactly header.size bytes, so the next record starts intact after them; the raw
                // size lay past them and was overwritten, so the true size is unknown.
                if (size < layout.PrefixSize)
                    return new PerfRecordCheck(PerfRecordClass.Oversized, word, 0, PerfHeaderProblem.None);
                var rawSize = buffer.ReadUInt32(position + (ulong)layout.RawSizeOffset);
                var trueSize = layout.TrueSize(rawSize);
                if (trueSize == size)
                    return new PerfRecordCheck(PerfRecordClass.Sample, word, rawSize, PerfHeaderProblem.None);
                // Unequal yet equal modulo 2^16: the true size exceeded the u16 and the kernel kept its low bits.
                if ((trueSize & PerfEventAbi.MaxRecordSize) == size)
                    return new PerfRecordCheck(PerfRecordClass.Oversized, word, rawSize, PerfHeaderProblem.None, trueSize);
                return Impossible(word, PerfHeaderProblem.SampleSizeMismatch);

            case PerfEventAbi.PERF_RECORD_LOST:
                return size < PerfEventAbi.LostRecordSize
                    ? Impossible(word, PerfHeaderProblem.LostRecordTooShort)
                    : new PerfRecordCheck(PerfRecordClass.Lost, word, 0, PerfHeaderProblem.None);

            default:
                return header.Type is 0 or >= PerfEventAbi.PERF_RECORD_USER_TYPE_START
                    ? Impossible(word, PerfHeaderProblem.UnknownType)
                    : new PerfRecordCheck(PerfRecordClass.Skippable, word, 0, PerfHeaderProblem.None);
        }
    }

    private static PerfRecordCheck Impossible(ulong header, PerfHeaderProblem problem) =>
        new(PerfRecordClass.Impossible, header, 0, problem);
}
