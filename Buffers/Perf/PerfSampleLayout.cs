using System.Globalization;

namespace ManagedBpf.Buffers.Perf;

/// <summary>
/// The layout of a <c>PERF_RECORD_SAMPLE</c> whose <c>sample_type</c> is <c>PERF_SAMPLE_RAW</c>, optionally with
/// <c>PERF_SAMPLE_TIME</c>: <c>{ header; [u64 time;] u32 size; u8 data[size]; }</c>. The fixed part in front of the
/// raw bytes is the <see cref="PrefixSize"/>, and a well-formed sample has <c>header.size == PrefixSize + size</c>.
/// </summary>
public readonly struct PerfSampleLayout : IEquatable<PerfSampleLayout>
{
    private PerfSampleLayout(bool hasTime) => HasTime = hasTime;

    /// <summary><c>PERF_SAMPLE_RAW</c> only, what libbpf's perf buffer asks for: <c>{ header; u32 size; data }</c>.</summary>
    public static PerfSampleLayout Raw => new(hasTime: false);

    /// <summary><c>PERF_SAMPLE_TIME | PERF_SAMPLE_RAW</c>: <c>{ header; u64 time; u32 size; data }</c>.</summary>
    public static PerfSampleLayout TimeAndRaw => new(hasTime: true);

    /// <summary>Whether a u64 <c>time</c> precedes the raw size.</summary>
    public bool HasTime { get; }

    /// <summary>The <c>sample_type</c> bits of this layout.</summary>
    public ulong SampleType => PerfEventAbi.PERF_SAMPLE_RAW | (HasTime ? PerfEventAbi.PERF_SAMPLE_TIME : 0);

    /// <summary>Bytes before the raw data: header (8), time (8, if present) and the u32 raw size: 12 or 20.</summary>
    public int PrefixSize => PerfEventAbi.HeaderSize + (HasTime ? sizeof(ulong) : 0) + sizeof(uint);

    /// <summary>Where the u32 raw size sits, from the start of the record: 8 or 16, always 8-byte aligned.</summary>
    public int RawSizeOffset => PrefixSize - sizeof(uint);

    /// <summary>Where the u64 time sits, from the start of the record (meaningful only with <see cref="HasTime"/>).</summary>
    public const int TimeOffset = PerfEventAbi.HeaderSize;

    /// <summary>
    /// The largest payload whose sample still fits the u16 <c>header.size</c>: 65,516 bytes with RAW only,
    /// 65,508 with TIME. Anything larger is truncated by the kernel and spills over the ring.
    /// </summary>
    public int MaxSafePayload => PerfEventAbi.MaxRecordSize - PerfEventAbi.MaxRecordSize % PerfEventAbi.RecordAlignment - PrefixSize;

    /// <summary>The layout for an event's <c>sample_type</c>.</summary>
    /// <param name="sampleType">The <c>sample_type</c> bits: RAW, or TIME and RAW.</param>
    /// <exception cref="NotSupportedException">Other bits are set, or RAW is missing.</exception>
    public static PerfSampleLayout FromSampleType(ulong sampleType) => sampleType switch
    {
        PerfEventAbi.PERF_SAMPLE_RAW => Raw,
        PerfEventAbi.PERF_SAMPLE_RAW | PerfEventAbi.PERF_SAMPLE_TIME => TimeAndRaw,
        _ => throw new NotSupportedException(string.Create(CultureInfo.InvariantCulture,
            $"sample_type 0x{sampleType:X} is not supported: only PERF_SAMPLE_RAW, optionally with PERF_SAMPLE_TIME.")),
    };

    /// <summary>
    /// The raw size the kernel writes for a <paramref name="payloadLength"/>-byte payload: padded so that the raw
    /// size field and the data end on an 8-byte boundary, <c>round_up(len + 4, 8) - 4</c> (perf_prepare_sample).
    /// </summary>
    /// <param name="payloadLength">The bytes the program passed to <c>bpf_perf_event_output</c>.</param>
    public static ulong PaddedRawSize(ulong payloadLength) => ((payloadLength + sizeof(uint) + 7) & ~7UL) - sizeof(uint);

    /// <summary>The sample's true size, <c>PrefixSize + rawSize</c>, before the kernel truncates it to a u16.</summary>
    /// <param name="rawSize">The u32 raw size of the sample.</param>
    public ulong TrueSize(uint rawSize) => (ulong)PrefixSize + rawSize;

    /// <inheritdoc/>
    public bool Equals(PerfSampleLayout other) => HasTime == other.HasTime;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is PerfSampleLayout other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HasTime.GetHashCode();

    /// <inheritdoc/>
    public override string ToString() => HasTime ? "PERF_SAMPLE_TIME | PERF_SAMPLE_RAW" : "PERF_SAMPLE_RAW";

    /// <summary>Whether two layouts are the same.</summary>
    public static bool operator ==(PerfSampleLayout left, PerfSampleLayout right) => left.Equals(right);

    /// <summary>Whether two layouts differ.</summary>
    public static bool operator !=(PerfSampleLayout left, PerfSampleLayout right) => !left.Equals(right);
}
