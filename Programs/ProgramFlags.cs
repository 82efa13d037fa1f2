namespace ManagedBpf.Programs;

/// <summary>BPF_PROG_LOAD <c>prog_flags</c> (include/uapi/linux/bpf.h).</summary>
[Flags]
public enum ProgramFlags : uint
{
    /// <summary>No flags.</summary>
    None = 0,

    /// <summary>BPF_F_STRICT_ALIGNMENT.</summary>
    StrictAlignment = 1U << 0,

    /// <summary>BPF_F_ANY_ALIGNMENT.</summary>
    AnyAlignment = 1U << 1,

    /// <summary>BPF_F_TEST_RND_HI32.</summary>
    TestRandomHigh32 = 1U << 2,

    /// <summary>BPF_F_TEST_STATE_FREQ.</summary>
    TestStateFrequency = 1U << 3,

    /// <summary>BPF_F_SLEEPABLE: the program may sleep (the ".s" section suffix).</summary>
    Sleepable = 1U << 4,

    /// <summary>BPF_F_XDP_HAS_FRAGS: an XDP program that handles multi-buffer frames (".frags").</summary>
    XdpHasFrags = 1U << 5,

    /// <summary>BPF_F_XDP_DEV_BOUND_ONLY.</summary>
    XdpDeviceBoundOnly = 1U << 6,

    /// <summary>BPF_F_TEST_REG_INVARIANTS.</summary>
    TestRegisterInvariants = 1U << 7,
}
