namespace ManagedBpf.Loader.Elf;

/// <summary>A program header's type, <c>p_type</c>. Members are the ELF constants without their <c>PT_</c> prefix; other values are kept as read.</summary>
public enum ElfSegmentType : uint
{
    /// <summary><c>PT_NULL</c>: unused entry.</summary>
    NULL = 0,

    /// <summary><c>PT_LOAD</c>: a loadable segment; maps file offsets to virtual addresses (uprobe offsets).</summary>
    LOAD = 1,

    /// <summary><c>PT_DYNAMIC</c>: dynamic linking information.</summary>
    DYNAMIC = 2,

    /// <summary><c>PT_INTERP</c>: program interpreter path.</summary>
    INTERP = 3,

    /// <summary><c>PT_NOTE</c>: auxiliary notes.</summary>
    NOTE = 4,

    /// <summary><c>PT_PHDR</c>: the program header table itself.</summary>
    PHDR = 6,

    /// <summary><c>PT_TLS</c>: thread-local storage template.</summary>
    TLS = 7,

    /// <summary><c>PT_GNU_EH_FRAME</c>: exception-handling frame table.</summary>
    GNU_EH_FRAME = 0x6474e550,

    /// <summary><c>PT_GNU_STACK</c>: stack executability.</summary>
    GNU_STACK = 0x6474e551,

    /// <summary><c>PT_GNU_RELRO</c>: read-only after relocation.</summary>
    GNU_RELRO = 0x6474e552,

    /// <summary><c>PT_GNU_PROPERTY</c>: GNU property notes.</summary>
    GNU_PROPERTY = 0x6474e553,
}
