namespace ManagedBpf.Loader.Elf;

/// <summary>A section's type, <c>sh_type</c>. Members are the ELF constants without their <c>SHT_</c> prefix; other values are kept as read.</summary>
public enum ElfSectionType : uint
{
    /// <summary><c>SHT_NULL</c>: inactive header (section 0).</summary>
    NULL = 0,

    /// <summary><c>SHT_PROGBITS</c>: program-defined contents (code, data, BTF).</summary>
    PROGBITS = 1,

    /// <summary><c>SHT_SYMTAB</c>: the full symbol table.</summary>
    SYMTAB = 2,

    /// <summary><c>SHT_STRTAB</c>: a string table.</summary>
    STRTAB = 3,

    /// <summary><c>SHT_RELA</c>: relocations with explicit addends.</summary>
    RELA = 4,

    /// <summary><c>SHT_HASH</c>: symbol hash table.</summary>
    HASH = 5,

    /// <summary><c>SHT_DYNAMIC</c>: dynamic linking information.</summary>
    DYNAMIC = 6,

    /// <summary><c>SHT_NOTE</c>: notes (USDT probes live in <c>.note.stapsdt</c>).</summary>
    NOTE = 7,

    /// <summary><c>SHT_NOBITS</c>: occupies no file space (<c>.bss</c>).</summary>
    NOBITS = 8,

    /// <summary><c>SHT_REL</c>: relocations without addends, what the BPF backend emits.</summary>
    REL = 9,

    /// <summary><c>SHT_DYNSYM</c>: the dynamic symbol table.</summary>
    DYNSYM = 11,

    /// <summary><c>SHT_INIT_ARRAY</c>: initialisation function pointers.</summary>
    INIT_ARRAY = 14,

    /// <summary><c>SHT_FINI_ARRAY</c>: termination function pointers.</summary>
    FINI_ARRAY = 15,

    /// <summary><c>SHT_GROUP</c>: section group.</summary>
    GROUP = 17,

    /// <summary><c>SHT_SYMTAB_SHNDX</c>: extended section indices for a symbol table.</summary>
    SYMTAB_SHNDX = 18,

    /// <summary><c>SHT_LLVM_ADDRSIG</c>: address-significance table written by LLVM.</summary>
    LLVM_ADDRSIG = 0x6fff4c03,

    /// <summary><c>SHT_GNU_HASH</c>: GNU-style symbol hash table.</summary>
    GNU_HASH = 0x6ffffff6,

    /// <summary><c>SHT_GNU_verdef</c>: symbol version definitions.</summary>
    GNU_VERDEF = 0x6ffffffd,

    /// <summary><c>SHT_GNU_verneed</c>: symbol version requirements.</summary>
    GNU_VERNEED = 0x6ffffffe,

    /// <summary><c>SHT_GNU_versym</c>: symbol version table.</summary>
    GNU_VERSYM = 0x6fffffff,
}
