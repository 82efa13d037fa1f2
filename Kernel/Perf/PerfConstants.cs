namespace ManagedBpf.Kernel.Perf;

/// <summary>Constants of include/uapi/linux/perf_event.h that ManagedBpf uses.</summary>
internal static class PerfConstants
{
    internal const uint PERF_TYPE_HARDWARE = 0;
    internal const uint PERF_TYPE_SOFTWARE = 1;
    internal const uint PERF_TYPE_TRACEPOINT = 2;

    internal const ulong PERF_COUNT_SW_CPU_CLOCK = 0;
    internal const ulong PERF_COUNT_SW_BPF_OUTPUT = 10;

    internal const ulong PERF_SAMPLE_TIME = 1 << 2;
    internal const ulong PERF_SAMPLE_RAW = 1 << 10;

    // Bits of the flags word at offset 40.
    internal const ulong FlagDisabled = 1UL << 0;
    internal const ulong FlagFreq = 1UL << 10;
    internal const ulong FlagWatermark = 1UL << 14;

    internal const uint PERF_FLAG_FD_CLOEXEC = 1U << 3;

    // _IO('$', 0), _IO('$', 1), _IOW('$', 8, __u32).
    internal const nuint PERF_EVENT_IOC_ENABLE = 0x2400;
    internal const nuint PERF_EVENT_IOC_DISABLE = 0x2401;
    internal const nuint PERF_EVENT_IOC_SET_BPF = 0x40042408;
}
