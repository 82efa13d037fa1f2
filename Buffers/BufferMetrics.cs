using System.Diagnostics.Metrics;

namespace ManagedBpf.Buffers;

/// <summary>
/// The <see cref="System.Diagnostics.Metrics"/> instruments of the readers and writers: one <see cref="Meter"/>
/// named <see cref="MeterName"/> with seven counters, each measurement tagged with the map's name and type and, for a
/// perf buffer, the CPU. Listen with a <see cref="MeterListener"/>, <c>dotnet-counters</c> or OpenTelemetry.
/// </summary>
/// <remarks>
/// Readers add to the counters once per drain (per CPU ring for a perf buffer), never per record, and the tags are
/// built once per reader: counting allocates nothing.
/// </remarks>
public static class BufferMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "ManagedBpf.Buffers";

    /// <summary>Records delivered to a handler (ring and perf buffers) or submitted (user ring buffers).</summary>
    public const string RecordsName = "managedbpf.buffer.records";

    /// <summary>Payload bytes of those records (for perf samples, the raw size with the kernel's padding).</summary>
    public const string BytesName = "managedbpf.buffer.bytes";

    /// <summary>Records the kernel dropped for lack of room, as its <c>PERF_RECORD_LOST</c> records count them.</summary>
    public const string LostName = "managedbpf.buffer.lost";

    /// <summary>Records skipped because their producer discarded them (the DISCARD bit), or discarded user ring records.</summary>
    public const string DiscardedName = "managedbpf.buffer.discarded";

    /// <summary>
    /// Records not delivered because the memory broke the ABI: oversized perf samples, records their spill reached,
    /// batches dropped after an impossible header or impossible positions, and ring buffers found corrupted.
    /// </summary>
    public const string CorruptedName = "managedbpf.buffer.corrupted";

    /// <summary>
    /// Bytes not delivered because the memory broke the ABI (perf buffers): every byte of the records counted in
    /// <see cref="CorruptedName"/>, including whole batches dropped after an impossible header.
    /// </summary>
    public const string CorruptedBytesName = "managedbpf.buffer.corrupted.bytes";

    /// <summary>
    /// Records that a typed asynchronous stream read as a struct they were shorter than: the bytes they lack were read as
    /// zeros (<see cref="TypedRecord.Read{T}(ReadOnlySpan{byte})"/>). For <c>ReadAllAsync&lt;T&gt;</c> that is a record
    /// shorter than <c>sizeof(T)</c>; for <c>ReadAllVariableAsync</c> one shorter than its fixed part. Records of variable
    /// length read as their full struct count here; a struct that does not match the program's layout does too.
    /// </summary>
    public const string ShortName = "managedbpf.buffer.short";

    /// <summary>The tag holding the map's name.</summary>
    public const string MapNameTag = "bpf.map.name";

    /// <summary>The tag holding the map's type (<c>RINGBUF</c>, <c>USER_RINGBUF</c>, <c>PERF_EVENT_ARRAY</c>).</summary>
    public const string MapTypeTag = "bpf.map.type";

    /// <summary>The tag holding the CPU of a perf ring.</summary>
    public const string CpuTag = "cpu";

    private static readonly Meter Meter = new(MeterName, typeof(BufferMetrics).Assembly.GetName().Version?.ToString());

    internal static readonly Counter<long> Records = Meter.CreateCounter<long>(RecordsName, "{record}", "Records delivered to a handler, or submitted to a user ring buffer.");

    internal static readonly Counter<long> Bytes = Meter.CreateCounter<long>(BytesName, "By", "Payload bytes of the records counted in " + RecordsName + ".");

    internal static readonly Counter<long> Lost = Meter.CreateCounter<long>(LostName, "{record}", "Records the kernel dropped for lack of room (PERF_RECORD_LOST).");

    internal static readonly Counter<long> Discarded = Meter.CreateCounter<long>(DiscardedName, "{record}", "Records discarded by their producer.");

    internal static readonly Counter<long> Corrupted = Meter.CreateCounter<long>(CorruptedName, "{record}", "Records not delivered because the ring broke the ABI.");

    internal static readonly Counter<long> CorruptedBytes = Meter.CreateCounter<long>(CorruptedBytesName, "By", "Bytes not delivered because the ring broke the ABI.");

    internal static readonly Counter<long> Short = Meter.CreateCounter<long>(ShortName, "{record}", "Records shorter than the struct a typed stream read them as (the missing bytes read as zeros).");

    /// <summary>The tags of one reader, built once: passing a pre-built array allocates nothing per measurement.</summary>
    internal static KeyValuePair<string, object?>[] Tags(BufferMap map, int? cpu = null) => cpu is { } id
        ? [new(MapNameTag, map.Name), new(MapTypeTag, map.Type.ToString()), new(CpuTag, id)]
        : [new(MapNameTag, map.Name), new(MapTypeTag, map.Type.ToString())];

    /// <summary>Adds one drain's counts (zeros are skipped).</summary>
    internal static void Add(KeyValuePair<string, object?>[] tags, long records, long bytes, long lost = 0, long discarded = 0, long corrupted = 0, long corruptedBytes = 0)
    {
        AddIfAny(Records, records, tags);
        AddIfAny(Bytes, bytes, tags);
        AddIfAny(Lost, lost, tags);
        AddIfAny(Discarded, discarded, tags);
        AddIfAny(Corrupted, corrupted, tags);
        AddIfAny(CorruptedBytes, corruptedBytes, tags);
    }

    /// <summary>Adds records counted in <see cref="ShortName"/> (once per batch and ring, by the asynchronous streams).</summary>
    internal static void AddShort(KeyValuePair<string, object?>[] tags, long records) => AddIfAny(Short, records, tags);

    private static void AddIfAny(Counter<long> counter, long value, KeyValuePair<string, object?>[] tags)
    {
        if (value != 0 && counter.Enabled)
            counter.Add(value, tags);
    }
}
