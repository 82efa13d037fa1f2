namespace ManagedBpf.Loader.Elf;

/// <summary>The object file type, <c>e_type</c>. Members are the ELF constants without their <c>ET_</c> prefix.</summary>
public enum ElfType : ushort
{
    /// <summary><c>ET_NONE</c>: no file type.</summary>
    NONE = 0,

    /// <summary><c>ET_REL</c>: relocatable object, what clang writes for <c>-target bpf -c</c>.</summary>
    REL = 1,

    /// <summary><c>ET_EXEC</c>: executable at a fixed address.</summary>
    EXEC = 2,

    /// <summary><c>ET_DYN</c>: shared library or position-independent executable.</summary>
    DYN = 3,

    /// <summary><c>ET_CORE</c>: core dump.</summary>
    CORE = 4,
}
