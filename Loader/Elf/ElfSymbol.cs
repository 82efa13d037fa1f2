namespace ManagedBpf.Loader.Elf;

/// <summary>One symbol table entry (<c>Elf64_Sym</c>) with its resolved name.</summary>
public readonly struct ElfSymbol
{
    internal ElfSymbol(int index, string name, byte info, byte other, ushort shndx, uint sectionIndex, ulong value, ulong size)
    {
        Index = index;
        Name = name;
        Info = info;
        Other = other;
        Shndx = shndx;
        SectionIndex = sectionIndex;
        Value = value;
        Size = size;
    }

    /// <summary>The symbol's index in its table (what a relocation's symbol index refers to).</summary>
    public int Index { get; }

    /// <summary>The name from the linked string table; empty for unnamed symbols.</summary>
    public string Name { get; }

    /// <summary><c>st_info</c>: binding in the high nibble, type in the low nibble.</summary>
    public byte Info { get; }

    /// <summary><c>st_other</c>: visibility in the low two bits.</summary>
    public byte Other { get; }

    /// <summary><c>st_shndx</c> as stored: a section index or a reserved <see cref="ElfSectionIndex"/> value.</summary>
    public ushort Shndx { get; }

    /// <summary>The section the symbol is defined in: <see cref="Shndx"/>, or the extended index from <c>SHT_SYMTAB_SHNDX</c> when <see cref="Shndx"/> is <see cref="ElfSectionIndex.XINDEX"/>.</summary>
    public uint SectionIndex { get; }

    /// <summary><c>st_value</c>: offset in the section (relocatable objects) or virtual address (executables, shared libraries).</summary>
    public ulong Value { get; }

    /// <summary><c>st_size</c>.</summary>
    public ulong Size { get; }

    /// <summary>The symbol type (<c>ELF64_ST_TYPE</c>).</summary>
    public ElfSymbolType Type => (ElfSymbolType)(Info & 0xf);

    /// <summary>The symbol binding (<c>ELF64_ST_BIND</c>).</summary>
    public ElfSymbolBinding Binding => (ElfSymbolBinding)(Info >> 4);

    /// <summary>The symbol visibility (<c>ELF64_ST_VISIBILITY</c>).</summary>
    public ElfSymbolVisibility Visibility => (ElfSymbolVisibility)(Other & 0x3);

    /// <summary>True for an undefined symbol (an extern): <c>st_shndx == SHN_UNDEF</c>.</summary>
    public bool IsUndefined => Shndx == ElfSectionIndex.UNDEF;

    /// <summary>True for an absolute symbol: <c>st_shndx == SHN_ABS</c>.</summary>
    public bool IsAbsolute => Shndx == ElfSectionIndex.ABS;

    /// <summary>True for a common symbol: <c>st_shndx == SHN_COMMON</c>.</summary>
    public bool IsCommon => Shndx == ElfSectionIndex.COMMON;

    /// <inheritdoc/>
    public override string ToString() => $"[{Index}] {Name} {Type} {Binding} shndx={SectionIndex} value=0x{Value:x} size={Size}";
}
