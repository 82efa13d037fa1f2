namespace ManagedBpf.Loader;

/// <summary>What a section name implies beyond the program type, as libbpf's <c>SEC_*</c> flags.</summary>
[Flags]
public enum SectionFlags
{
    /// <summary>Nothing more.</summary>
    None = 0,

    /// <summary>SEC_ATTACH_BTF: the target is a kernel BTF id (tp_btf, fentry, fexit, fmod_ret, lsm, iter, freplace).</summary>
    AttachBtf = 1 << 0,

    /// <summary>SEC_SLEEPABLE: load with BPF_F_SLEEPABLE.</summary>
    Sleepable = 1 << 1,

    /// <summary>SEC_XDP_FRAGS: load with BPF_F_XDP_HAS_FRAGS.</summary>
    XdpFrags = 1 << 2,

    /// <summary>SEC_USDT: a USDT probe (uprobe plus a spec from .note.stapsdt).</summary>
    Usdt = 1 << 3,

    /// <summary>SEC_ATTACHABLE: the expected attach type must be passed at load time.</summary>
    Attachable = 1 << 4,
}
