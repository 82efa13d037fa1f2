namespace ManagedBpf.Programs;

/// <summary>BPF_PROG_TEST_RUN flags.</summary>
[Flags]
public enum TestRunFlags : uint
{
    /// <summary>No flags.</summary>
    None = 0,

    /// <summary>BPF_F_TEST_RUN_ON_CPU: run on the given CPU (raw tracepoint programs).</summary>
    RunOnCpu = 1U << 0,

    /// <summary>BPF_F_TEST_XDP_LIVE_FRAMES: send XDP frames for real.</summary>
    XdpLiveFrames = 1U << 1,

    /// <summary>BPF_F_TEST_SKB_CHECKSUM_COMPLETE.</summary>
    SkbChecksumComplete = 1U << 2,
}
