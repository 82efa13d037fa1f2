namespace ManagedBpf.Buffers.Perf;

/// <summary>
/// The parts of include/uapi/linux/perf_event.h that a reader of a <c>BPF_MAP_TYPE_PERF_EVENT_ARRAY</c> ring needs:
/// the <c>perf_event_mmap_page</c> fields, record types and the sample layout bits. Pure constants.
/// </summary>
public static class PerfEventAbi
{
    /// <summary>Byte offset of <c>data_head</c> (u64) in <c>perf_event_mmap_page</c>: written by the kernel.</summary>
    public const int DataHeadOffset = 1024;

    /// <summary>Byte offset of <c>data_tail</c> (u64) in <c>perf_event_mmap_page</c>: written by the reader.</summary>
    public const int DataTailOffset = 1032;

    /// <summary>Byte offset of <c>data_offset</c> (u64): where the data area starts, from the start of the page.</summary>
    public const int DataOffsetOffset = 1040;

    /// <summary>Byte offset of <c>data_size</c> (u64): the size of the data area.</summary>
    public const int DataSizeOffset = 1048;

    /// <summary>Size of <c>struct perf_event_header { u32 type; u16 misc; u16 size; }</c>.</summary>
    public const int HeaderSize = 8;

    /// <summary>Records start on this boundary, so a header never wraps around the end of the data area.</summary>
    public const int RecordAlignment = 8;

    /// <summary><c>PERF_RECORD_LOST</c>: <c>{ header; u64 id; u64 lost; }</c>, the count of records the kernel dropped.</summary>
    public const uint PERF_RECORD_LOST = 2;

    /// <summary><c>PERF_RECORD_SAMPLE</c>: a sample laid out by the event's <c>sample_type</c>.</summary>
    public const uint PERF_RECORD_SAMPLE = 9;

    /// <summary>
    /// <c>PERF_RECORD_USER_TYPE_START</c>: types from here on are written by user-space tools into perf.data files,
    /// never by the kernel into a ring, so a ring record claiming one is garbage.
    /// </summary>
    public const uint PERF_RECORD_USER_TYPE_START = 64;

    /// <summary>Size of a <c>PERF_RECORD_LOST</c> record without <c>sample_id_all</c> trailers.</summary>
    public const int LostRecordSize = HeaderSize + 8 + 8;

    /// <summary><c>PERF_SAMPLE_TIME</c>: the sample carries a u64 timestamp.</summary>
    public const ulong PERF_SAMPLE_TIME = Kernel.Perf.PerfConstants.PERF_SAMPLE_TIME;

    /// <summary><c>PERF_SAMPLE_RAW</c>: the sample carries <c>{ u32 size; u8 data[size]; }</c>, what <c>bpf_perf_event_output</c> writes.</summary>
    public const ulong PERF_SAMPLE_RAW = Kernel.Perf.PerfConstants.PERF_SAMPLE_RAW;

    /// <summary>The largest value <c>perf_event_header.size</c> can hold: it is a u16.</summary>
    public const int MaxRecordSize = ushort.MaxValue;
}
