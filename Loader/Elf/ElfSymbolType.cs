namespace ManagedBpf.Loader.Elf;

/// <summary>A symbol's type, the low nibble of <c>st_info</c>. Members are the ELF constants without their <c>STT_</c> prefix.</summary>
public enum ElfSymbolType : byte
{
    /// <summary><c>STT_NOTYPE</c>: unspecified (BPF programs' section-relative labels, externs).</summary>
    NOTYPE = 0,

    /// <summary><c>STT_OBJECT</c>: a data object (maps, global variables).</summary>
    OBJECT = 1,

    /// <summary><c>STT_FUNC</c>: a function (programs and sub-programs).</summary>
    FUNC = 2,

    /// <summary><c>STT_SECTION</c>: the section itself.</summary>
    SECTION = 3,

    /// <summary><c>STT_FILE</c>: the source file name.</summary>
    FILE = 4,

    /// <summary><c>STT_COMMON</c>: an uninitialised common block.</summary>
    COMMON = 5,

    /// <summary><c>STT_TLS</c>: thread-local storage.</summary>
    TLS = 6,

    /// <summary><c>STT_GNU_IFUNC</c>: an indirect function.</summary>
    GNU_IFUNC = 10,
}
