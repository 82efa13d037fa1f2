namespace ManagedBpf.Loader.Elf;

/// <summary>A program header's permission bits, <c>p_flags</c>. Members are the ELF constants without their <c>PF_</c> prefix.</summary>
[Flags]
public enum ElfSegmentFlags : uint
{
    /// <summary>No permissions.</summary>
    None = 0,

    /// <summary><c>PF_X</c>: executable.</summary>
    X = 1,

    /// <summary><c>PF_W</c>: writable.</summary>
    W = 2,

    /// <summary><c>PF_R</c>: readable.</summary>
    R = 4,
}
