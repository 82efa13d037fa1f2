namespace ManagedBpf.Loader.Elf;

/// <summary>A symbol's visibility, the low two bits of <c>st_other</c>. Members are the ELF constants without their <c>STV_</c> prefix.</summary>
public enum ElfSymbolVisibility : byte
{
    /// <summary><c>STV_DEFAULT</c>: as given by the binding.</summary>
    DEFAULT = 0,

    /// <summary><c>STV_INTERNAL</c>: processor-specific hidden.</summary>
    INTERNAL = 1,

    /// <summary><c>STV_HIDDEN</c>: not visible outside the component (<c>__hidden</c> BPF sub-programs).</summary>
    HIDDEN = 2,

    /// <summary><c>STV_PROTECTED</c>: visible but not preemptible.</summary>
    PROTECTED = 3,
}
