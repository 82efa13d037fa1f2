namespace ManagedBpf.Loader.Elf;

/// <summary>
/// The ELF64 file header (<c>Elf64_Ehdr</c>) after validation. Counts and the string-table index
/// are already resolved through extended numbering (section 0's header) when the file uses it.
/// </summary>
public readonly struct ElfHeader
{
    internal ElfHeader(
        byte osAbi, ElfType type, ElfMachine machine, ulong entry, ulong phOff, ulong shOff, uint flags,
        int phNum, int shNum, int shStrNdx)
    {
        OsAbi = osAbi;
        Type = type;
        Machine = machine;
        Entry = entry;
        PhOff = phOff;
        ShOff = shOff;
        Flags = flags;
        PhNum = phNum;
        ShNum = shNum;
        ShStrNdx = shStrNdx;
    }

    /// <summary><c>e_ident[EI_OSABI]</c>.</summary>
    public byte OsAbi { get; }

    /// <summary><c>e_type</c>.</summary>
    public ElfType Type { get; }

    /// <summary><c>e_machine</c>.</summary>
    public ElfMachine Machine { get; }

    /// <summary><c>e_entry</c>: the entry point's virtual address, 0 for relocatable objects.</summary>
    public ulong Entry { get; }

    /// <summary><c>e_phoff</c>: file offset of the program header table.</summary>
    public ulong PhOff { get; }

    /// <summary><c>e_shoff</c>: file offset of the section header table.</summary>
    public ulong ShOff { get; }

    /// <summary><c>e_flags</c>: processor-specific flags.</summary>
    public uint Flags { get; }

    /// <summary>The number of program headers (<c>e_phnum</c>, or section 0's <c>sh_info</c> under <c>PN_XNUM</c>).</summary>
    public int PhNum { get; }

    /// <summary>The number of section headers, including section 0 (<c>e_shnum</c>, or section 0's <c>sh_size</c> when it is 0).</summary>
    public int ShNum { get; }

    /// <summary>The index of the section-name string table (<c>e_shstrndx</c>, or section 0's <c>sh_link</c> under <c>SHN_XINDEX</c>); 0 when there is none.</summary>
    public int ShStrNdx { get; }
}
