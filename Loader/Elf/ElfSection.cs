namespace ManagedBpf.Loader.Elf;

/// <summary>One section header (<c>Elf64_Shdr</c>) with its resolved name and its index in the section table.</summary>
public sealed class ElfSection
{
    internal ElfSection(
        int index, string name, uint nameOffset, ElfSectionType type, ElfSectionFlags flags, ulong addr,
        ulong offset, ulong size, uint link, uint info, ulong addrAlign, ulong entSize)
    {
        Index = index;
        Name = name;
        NameOffset = nameOffset;
        Type = type;
        Flags = flags;
        Addr = addr;
        Offset = offset;
        Size = size;
        Link = link;
        Info = info;
        AddrAlign = addrAlign;
        EntSize = entSize;
    }

    /// <summary>The section's index in the section header table (what <c>st_shndx</c> and <c>sh_link</c> refer to).</summary>
    public int Index { get; }

    /// <summary>The section name, from the section-name string table at <see cref="NameOffset"/>.</summary>
    public string Name { get; }

    /// <summary><c>sh_name</c>: offset of the name in the section-name string table.</summary>
    public uint NameOffset { get; }

    /// <summary><c>sh_type</c>.</summary>
    public ElfSectionType Type { get; }

    /// <summary><c>sh_flags</c>.</summary>
    public ElfSectionFlags Flags { get; }

    /// <summary><c>sh_addr</c>: the virtual address at run time, 0 in relocatable objects.</summary>
    public ulong Addr { get; }

    /// <summary><c>sh_offset</c>: file offset of the contents.</summary>
    public ulong Offset { get; }

    /// <summary><c>sh_size</c>: size in bytes (in memory for <see cref="ElfSectionType.NOBITS"/>, which has no file contents).</summary>
    public ulong Size { get; }

    /// <summary><c>sh_link</c>: a related section (a symbol table's string table, a relocation section's symbol table).</summary>
    public uint Link { get; }

    /// <summary><c>sh_info</c>: extra information (a relocation section's target section index).</summary>
    public uint Info { get; }

    /// <summary><c>sh_addralign</c>.</summary>
    public ulong AddrAlign { get; }

    /// <summary><c>sh_entsize</c>: size of one entry for table sections.</summary>
    public ulong EntSize { get; }

    /// <summary>True when the section has bytes in the file (not <see cref="ElfSectionType.NOBITS"/> or <see cref="ElfSectionType.NULL"/>).</summary>
    public bool HasFileContents => Type is not ElfSectionType.NOBITS and not ElfSectionType.NULL;

    /// <inheritdoc/>
    public override string ToString() => $"[{Index}] {Name} {Type}";
}
