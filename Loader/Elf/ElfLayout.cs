namespace ManagedBpf.Loader.Elf;

/// <summary>Sizes and field offsets of the ELF64 on-disk structures (<c>linux/elf.h</c>).</summary>
internal static class ElfLayout
{
    public const int IdentSize = 16;
    public const byte Mag0 = 0x7f;
    public const byte ClassNone = 0, Class32 = 1, Class64 = 2;
    public const byte Data2Lsb = 1, Data2Msb = 2;
    public const byte EvCurrent = 1;
    public const int EiClass = 4, EiData = 5, EiVersion = 6, EiOsAbi = 7;

    /// <summary><c>PN_XNUM</c>: <c>e_phnum</c> value meaning "the count is in section 0's <c>sh_info</c>".</summary>
    public const ushort PnXnum = 0xffff;

    public const int EhdrSize = 64;
    public const int ShdrSize = 64;
    public const int PhdrSize = 56;
    public const int SymSize = 24;
    public const int RelSize = 16;
    public const int RelaSize = 24;
}
