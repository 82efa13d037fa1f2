namespace ManagedBpf.Buffers.Perf;

/// <summary>What the reader makes of one record: the single place where a perf record header is validated.</summary>
internal enum PerfRecordClass : byte
{
    /// <summary>A well-formed sample: <c>header.size == prefix + raw size</c>.</summary>
    Sample,

    /// <summary>A sample whose true size was truncated: <c>header.size == (prefix + raw size) mod 65536</c>.</summary>
    Oversized,

    /// <summary>A <c>PERF_RECORD_LOST</c>.</summary>
    Lost,

    /// <summary>Another kernel record type, skipped by its size.</summary>
    Skippable,

    /// <summary>A header no kernel would write.</summary>
    Impossible,
}
