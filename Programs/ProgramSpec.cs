using ManagedBpf.Kernel;

namespace ManagedBpf.Programs;

/// <summary>Everything the kernel needs to load a program, before it exists. The loader builds these from an object's sections.</summary>
public sealed record ProgramSpec
{
    /// <summary>The program's name (its C function name; the kernel keeps 15 characters).</summary>
    public string Name { get; init; } = "";

    /// <summary>The ELF section it came from (<c>tracepoint/syscalls/sys_enter_execve</c>, <c>xdp</c>…), which names its attach point.</summary>
    public string SectionName { get; init; } = "";

    /// <summary>The program type.</summary>
    public BpfProgType Type { get; init; }

    /// <summary>The attach type the verifier checks the program against.</summary>
    public BpfAttachType ExpectedAttachType { get; init; }

    /// <summary>What the section names as the attach target (a tracepoint, a function, a binary:symbol), or null.</summary>
    public string? AttachTarget { get; init; }

    /// <summary>The kernel BTF id of the attach target (tp_btf, fentry, fexit, lsm, iter), resolved by the loader.</summary>
    public uint AttachBtfId { get; init; }

    /// <summary>The instructions, with relocations already applied.</summary>
    public BpfInstruction[] Instructions { get; init; } = [];

    /// <summary>The license string; GPL-only helpers need a GPL-compatible one.</summary>
    public string License { get; init; } = "GPL";

    /// <summary><c>kern_version</c>; only kernels before 5.0 check it for kprobes. 0 means the running kernel's.</summary>
    public uint KernelVersion { get; init; }

    /// <summary>Load flags (sleepable, XDP frags…).</summary>
    public ProgramFlags Flags { get; init; }

    /// <summary>Whether the loader loads it (a <c>?</c> section prefix turns this off, as in libbpf).</summary>
    public bool Autoload { get; init; } = true;

    /// <summary><c>struct bpf_func_info</c> records for the program, or empty.</summary>
    public ReadOnlyMemory<byte> FuncInfo { get; init; }

    /// <summary>The size of one func_info record.</summary>
    public uint FuncInfoRecordSize { get; init; }

    /// <summary><c>struct bpf_line_info</c> records for the program, or empty.</summary>
    public ReadOnlyMemory<byte> LineInfo { get; init; }

    /// <summary>The size of one line_info record.</summary>
    public uint LineInfoRecordSize { get; init; }
}
