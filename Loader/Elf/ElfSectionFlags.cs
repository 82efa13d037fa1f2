namespace ManagedBpf.Loader.Elf;

/// <summary>A section's attribute bits, <c>sh_flags</c>. Members are the ELF constants without their <c>SHF_</c> prefix.</summary>
[Flags]
public enum ElfSectionFlags : ulong
{
    /// <summary>No flags.</summary>
    None = 0,

    /// <summary><c>SHF_WRITE</c>: writable at run time.</summary>
    WRITE = 0x1,

    /// <summary><c>SHF_ALLOC</c>: occupies memory at run time.</summary>
    ALLOC = 0x2,

    /// <summary><c>SHF_EXECINSTR</c>: contains instructions.</summary>
    EXECINSTR = 0x4,

    /// <summary><c>SHF_MERGE</c>: entries may be merged (<c>.rodata.str1.1</c>).</summary>
    MERGE = 0x10,

    /// <summary><c>SHF_STRINGS</c>: contains NUL-terminated strings.</summary>
    STRINGS = 0x20,

    /// <summary><c>SHF_INFO_LINK</c>: <c>sh_info</c> holds a section index.</summary>
    INFO_LINK = 0x40,

    /// <summary><c>SHF_LINK_ORDER</c>: ordering requirement on the linked section.</summary>
    LINK_ORDER = 0x80,

    /// <summary><c>SHF_GROUP</c>: member of a section group.</summary>
    GROUP = 0x200,

    /// <summary><c>SHF_TLS</c>: thread-local storage.</summary>
    TLS = 0x400,

    /// <summary><c>SHF_COMPRESSED</c>: contents are compressed.</summary>
    COMPRESSED = 0x800,

    /// <summary><c>SHF_EXCLUDE</c>: excluded from the link (LLVM sets it on <c>.llvm_addrsig</c>).</summary>
    EXCLUDE = 0x80000000,
}
