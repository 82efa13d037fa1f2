namespace ManagedBpf.Loader.Elf;

/// <summary>A symbol's binding, the high nibble of <c>st_info</c>. Members are the ELF constants without their <c>STB_</c> prefix.</summary>
public enum ElfSymbolBinding : byte
{
    /// <summary><c>STB_LOCAL</c>: visible only inside the object (static).</summary>
    LOCAL = 0,

    /// <summary><c>STB_GLOBAL</c>: visible to every object.</summary>
    GLOBAL = 1,

    /// <summary><c>STB_WEAK</c>: global with lower precedence (<c>__weak</c> externs).</summary>
    WEAK = 2,

    /// <summary><c>STB_GNU_UNIQUE</c>: unique in the whole process.</summary>
    GNU_UNIQUE = 10,
}
