namespace ManagedBpf.Loader.Elf;

/// <summary>Reserved section indices (<c>SHN_*</c>) that appear in <c>st_shndx</c> and <c>e_shstrndx</c>.</summary>
public static class ElfSectionIndex
{
    /// <summary><c>SHN_UNDEF</c>: undefined (an extern symbol).</summary>
    public const ushort UNDEF = 0;

    /// <summary><c>SHN_LORESERVE</c>: the first reserved index.</summary>
    public const ushort LORESERVE = 0xff00;

    /// <summary><c>SHN_ABS</c>: an absolute value, not relative to any section.</summary>
    public const ushort ABS = 0xfff1;

    /// <summary><c>SHN_COMMON</c>: a common block.</summary>
    public const ushort COMMON = 0xfff2;

    /// <summary><c>SHN_XINDEX</c>: the real index is elsewhere (section 0's header or <c>SHT_SYMTAB_SHNDX</c>).</summary>
    public const ushort XINDEX = 0xffff;
}
