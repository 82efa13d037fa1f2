namespace ManagedBpf.Loader;

/// <summary>What a section name implies beyond the program type, as libbpf's <c>SEC_*</c> flags.</summary>
[Flags]
public enum SectionFlags
{
    /// <summary>Nothing more.</summary>
    None = 0,

    /// <summary>SEC_ATTACH_BTF: the target is a kernel BTF id (tp_btf, fentry, fexit, fmod_ret, fsession, lsm, iter, freplace).</summary>
    AttachBtf = 1 << 0,

    /// <summary>SEC_SLEEPABLE: load with BPF_F_SLEEPABLE.</summary>
    Sleepable = 1 << 1,

    /// <summary>SEC_XDP_FRAGS: load with BPF_F_XDP_HAS_FRAGS.</summary>
    XdpFrags = 1 << 2,

    /// <summary>SEC_USDT: a USDT probe (uprobe plus a spec from .note.stapsdt).</summary>
    Usdt = 1 << 3,

    /// <summary>
    /// SEC_ATTACHABLE: a type attached with BPF_PROG_ATTACH, as opposed to a link or a perf event. libbpf keeps
    /// it only to list such names (<c>libbpf_attach_type_by_name</c>); loading ignores it.
    /// </summary>
    Attachable = 1 << 4,

    /// <summary>
    /// SEC_EXP_ATTACH_OPT: the expected attach type is optional. libbpf loads with 0 instead on kernels older
    /// than 4.17, which do not take one for these types; ManagedBpf records the flag and always passes it.
    /// </summary>
    ExpectedAttachTypeOptional = 1 << 5,
}
