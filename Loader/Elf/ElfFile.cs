using System.Globalization;
using System.Text;

namespace ManagedBpf.Loader.Elf;

/// <summary>
/// A validated ELF64 little-endian image in memory: header, section headers with names, program headers,
/// and on-demand symbol tables and relocations. It reads any <c>e_type</c> and <c>e_machine</c>, so the same
/// reader serves BPF objects (see <see cref="EnsureBpfRelocatable"/>) and uprobe targets (executables and
/// shared libraries). Parsing never throws anything but <see cref="BpfObjectFormatException"/> for bad bytes.
/// </summary>
public sealed class ElfFile
{
    private readonly ReadOnlyMemory<byte> _image;
    private readonly ElfSection[] _sections;
    private readonly ElfProgramHeader[] _programHeaders;

    private ElfFile(ReadOnlyMemory<byte> image, ElfHeader header, ElfSection[] sections, ElfProgramHeader[] programHeaders)
    {
        _image = image;
        Header = header;
        _sections = sections;
        _programHeaders = programHeaders;
    }

    /// <summary>The validated file header.</summary>
    public ElfHeader Header { get; }

    /// <summary>Every section header in table order, so <c>Sections[i].Index == i</c>; entry 0 is the null section when there are any.</summary>
    public IReadOnlyList<ElfSection> Sections => _sections;

    /// <summary>Every program header (segments), empty for relocatable objects.</summary>
    public IReadOnlyList<ElfProgramHeader> ProgramHeaders => _programHeaders;

    /// <summary>The whole image.</summary>
    public ReadOnlyMemory<byte> Image => _image;

    /// <summary>Parses and validates an ELF64 little-endian image.</summary>
    /// <param name="image">The file's bytes; kept, not copied.</param>
    /// <returns>The parsed file.</returns>
    /// <exception cref="BpfObjectFormatException">The image is not a well-formed ELF64 little-endian file.</exception>
    public static ElfFile Parse(ReadOnlyMemory<byte> image)
    {
        var file = new BinaryBlock(image.Span, section: null);
        var header = ReadHeader(file);
        var sections = ReadSections(file, header, out header);
        var programHeaders = ReadProgramHeaders(file, header);
        return new ElfFile(image, header, sections, programHeaders);
    }

    /// <summary>
    /// Checks that this is what clang writes for <c>-target bpf -c</c>: <c>e_machine == EM_BPF</c> (247) and
    /// <c>e_type == ET_REL</c>. The BPF object path calls this; uprobe symbol lookups do not.
    /// </summary>
    /// <exception cref="BpfObjectFormatException">The file is not a relocatable BPF object.</exception>
    public void EnsureBpfRelocatable()
    {
        if (Header.Machine != ElfMachine.BPF)
        {
            BpfObjectFormatException.Throw(
                string.Create(CultureInfo.InvariantCulture, $"not a BPF object: e_machine is {(ushort)Header.Machine} ({Header.Machine}), expected 247 (EM_BPF); compile with clang -target bpf"),
                null,
                18);
        }

        if (Header.Type != ElfType.REL)
        {
            BpfObjectFormatException.Throw(
                string.Create(CultureInfo.InvariantCulture, $"not a relocatable BPF object: e_type is {(ushort)Header.Type} ({Header.Type}), expected 1 (ET_REL); use the output of clang -c, not a linked file"),
                null,
                16);
        }
    }

    /// <summary>Finds the first section called <paramref name="name"/>.</summary>
    /// <param name="name">The exact section name, such as <c>.BTF</c> or <c>.maps</c>.</param>
    /// <returns>The section, or null when there is none.</returns>
    public ElfSection? FindSection(string name)
    {
        foreach (var section in _sections)
        {
            if (section.Name == name)
            {
                return section;
            }
        }

        return null;
    }

    /// <summary>The section's bytes in the file; empty for <see cref="ElfSectionType.NOBITS"/> and <see cref="ElfSectionType.NULL"/>.</summary>
    /// <param name="section">A section of this file.</param>
    /// <returns>A slice of <see cref="Image"/> (bounds were validated by <see cref="Parse"/>).</returns>
    public ReadOnlyMemory<byte> GetSectionData(ElfSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return section.HasFileContents ? _image.Slice((int)section.Offset, (int)section.Size) : ReadOnlyMemory<byte>.Empty;
    }

    /// <summary>The <c>.symtab</c> (<see cref="ElfSectionType.SYMTAB"/>) table, or null when the file has none (stripped).</summary>
    /// <exception cref="BpfObjectFormatException">The table or its string table is malformed.</exception>
    public ElfSymbolTable? SymbolTable => FirstOfType(ElfSectionType.SYMTAB) is { } s ? GetSymbolTable(s) : null;

    /// <summary>The <c>.dynsym</c> (<see cref="ElfSectionType.DYNSYM"/>) table, or null when the file has none.</summary>
    /// <exception cref="BpfObjectFormatException">The table or its string table is malformed.</exception>
    public ElfSymbolTable? DynamicSymbolTable => FirstOfType(ElfSectionType.DYNSYM) is { } s ? GetSymbolTable(s) : null;

    /// <summary>Opens a symbol table section.</summary>
    /// <param name="section">A <see cref="ElfSectionType.SYMTAB"/> or <see cref="ElfSectionType.DYNSYM"/> section of this file.</param>
    /// <returns>The symbol table.</returns>
    /// <exception cref="ArgumentException"><paramref name="section"/> is not a symbol table.</exception>
    /// <exception cref="BpfObjectFormatException">The entry size, size or string table link is invalid.</exception>
    public ElfSymbolTable GetSymbolTable(ElfSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        if (section.Type is not (ElfSectionType.SYMTAB or ElfSectionType.DYNSYM))
        {
            throw new ArgumentException($"section {section} is not a symbol table", nameof(section));
        }

        var count = CheckTable(section, ElfLayout.SymSize);
        var strings = LinkedSection(section, ElfSectionType.STRTAB, "string table");
        var extended = ReadOnlyMemory<byte>.Empty;
        foreach (var s in _sections)
        {
            if (s.Type == ElfSectionType.SYMTAB_SHNDX && s.Link == (uint)section.Index)
            {
                extended = GetSectionData(s);
                if ((ulong)extended.Length / 4 < count)
                {
                    SectionFail(s, $"has {extended.Length / 4} entries for {count} symbols", 0);
                }

                break;
            }
        }

        return new ElfSymbolTable(section, strings, GetSectionData(section), GetSectionData(strings), extended);
    }

    /// <summary>Reads a relocation section. Every symbol index is checked against the linked symbol table.</summary>
    /// <param name="section">A <see cref="ElfSectionType.REL"/> or <see cref="ElfSectionType.RELA"/> section of this file; its <see cref="ElfSection.Info"/> is the section being relocated.</param>
    /// <returns>The relocations in file order.</returns>
    /// <exception cref="ArgumentException"><paramref name="section"/> is not a relocation section.</exception>
    /// <exception cref="BpfObjectFormatException">The entry size, size, symbol table link or a symbol index is invalid.</exception>
    public ElfRelocation[] GetRelocations(ElfSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var entrySize = section.Type switch
        {
            ElfSectionType.REL => ElfLayout.RelSize,
            ElfSectionType.RELA => ElfLayout.RelaSize,
            _ => throw new ArgumentException($"section {section} is not a relocation section", nameof(section)),
        };
        var count = CheckTable(section, entrySize);
        var symbols = LinkedSection(section, ElfSectionType.SYMTAB, "symbol table", ElfSectionType.DYNSYM);
        var symbolCount = CheckTable(symbols, ElfLayout.SymSize);
        if (section.Info >= (uint)_sections.Length)
        {
            SectionFail(section, $"sh_info {section.Info} names no section", 0);
        }

        var block = new BinaryBlock(GetSectionData(section).Span, section.Name);
        var relocations = new ElfRelocation[count];
        for (var i = 0; i < relocations.Length; i++)
        {
            var at = (ulong)i * (ulong)entrySize;
            var info = block.U64(at + 8);
            var symbol = (uint)(info >> 32);
            if (symbol >= symbolCount)
            {
                block.Fail($"relocation {i} refers to symbol {symbol}, but {symbols.Name} has {symbolCount}", at + 8);
            }

            relocations[i] = new ElfRelocation(block.U64(at), symbol, (uint)info, entrySize == ElfLayout.RelaSize ? block.I64(at + 16) : 0);
        }

        return relocations;
    }

    /// <summary>
    /// Translates a virtual address to a file offset through the <see cref="ElfSegmentType.LOAD"/> segment that
    /// maps it; this is how a uprobe's offset is computed from a symbol's <c>st_value</c> in an executable or shared library.
    /// </summary>
    /// <param name="address">A virtual address, such as <see cref="ElfSymbol.Value"/>.</param>
    /// <param name="fileOffset">The file offset of that address.</param>
    /// <returns>False when no loadable segment maps the address from file contents.</returns>
    public bool TryGetFileOffset(ulong address, out ulong fileOffset)
    {
        foreach (var ph in _programHeaders)
        {
            if (ph.Type == ElfSegmentType.LOAD && address >= ph.VAddr && address - ph.VAddr < ph.FileSize)
            {
                fileOffset = address - ph.VAddr + ph.Offset;
                return true;
            }
        }

        fileOffset = 0;
        return false;
    }

    private ElfSection? FirstOfType(ElfSectionType type)
    {
        foreach (var s in _sections)
        {
            if (s.Type == type)
            {
                return s;
            }
        }

        return null;
    }

    /// <summary>Validates a table section's entry size and size; returns the entry count.</summary>
    private static ulong CheckTable(ElfSection section, int entrySize)
    {
        // sh_entsize 0 is tolerated (some writers leave it unset); anything else must match the ELF64 layout.
        if (section.EntSize != 0 && section.EntSize != (ulong)entrySize)
        {
            SectionFail(section, string.Create(CultureInfo.InvariantCulture, $"has sh_entsize {section.EntSize}, expected {entrySize}"), 0);
        }

        if (section.Size % (ulong)entrySize != 0)
        {
            SectionFail(section, string.Create(CultureInfo.InvariantCulture, $"size {section.Size} is not a multiple of its entry size {entrySize}"), 0);
        }

        return section.Size / (ulong)entrySize;
    }

    private ElfSection LinkedSection(ElfSection section, ElfSectionType expected, string what, ElfSectionType alternative = ElfSectionType.NULL)
    {
        if (section.Link == 0 || section.Link >= (uint)_sections.Length
            || (_sections[section.Link].Type != expected && (alternative == ElfSectionType.NULL || _sections[section.Link].Type != alternative)))
        {
            SectionFail(section, string.Create(CultureInfo.InvariantCulture, $"sh_link {section.Link} does not name a {what}"), 0);
        }

        return _sections[section.Link];
    }

    private static void SectionFail(ElfSection section, string problem, long offset) =>
        BpfObjectFormatException.Throw($"section [{section.Index}] {section.Name} {problem}", section.Name, offset);

    private static ElfHeader ReadHeader(BinaryBlock file)
    {
        if (file.Length < ElfLayout.IdentSize)
        {
            file.Fail($"file is {file.Length} bytes, too short for an ELF identification", 0);
        }

        var ident = file.Slice(0, ElfLayout.IdentSize);
        if (ident[0] != ElfLayout.Mag0 || ident[1] != (byte)'E' || ident[2] != (byte)'L' || ident[3] != (byte)'F')
        {
            file.Fail("not an ELF file: bad magic (expected 7f 45 4c 46)", 0);
        }

        switch (ident[ElfLayout.EiClass])
        {
            case ElfLayout.Class64:
                break;
            case ElfLayout.Class32:
                file.Fail("32-bit ELF (ELFCLASS32) is not supported: BPF objects and uprobe targets are read as ELF64", ElfLayout.EiClass);
                break;
            default:
                file.Fail($"invalid ELF class {ident[ElfLayout.EiClass]}", ElfLayout.EiClass);
                break;
        }

        switch (ident[ElfLayout.EiData])
        {
            case ElfLayout.Data2Lsb:
                break;
            case ElfLayout.Data2Msb:
                file.Fail("big-endian ELF (ELFDATA2MSB) is not supported: compile BPF objects with clang -target bpf or bpfel, not bpfeb", ElfLayout.EiData);
                break;
            default:
                file.Fail($"invalid ELF data encoding {ident[ElfLayout.EiData]}", ElfLayout.EiData);
                break;
        }

        if (ident[ElfLayout.EiVersion] != ElfLayout.EvCurrent)
        {
            file.Fail($"unsupported ELF identification version {ident[ElfLayout.EiVersion]} (expected EV_CURRENT)", ElfLayout.EiVersion);
        }

        if (file.Length < ElfLayout.EhdrSize)
        {
            file.Fail($"file is {file.Length} bytes, too short for an ELF64 header", 0);
        }

        if (file.U32(20) != ElfLayout.EvCurrent)
        {
            file.Fail($"unsupported e_version {file.U32(20)} (expected EV_CURRENT)", 20);
        }

        return new ElfHeader(
            osAbi: ident[ElfLayout.EiOsAbi],
            type: (ElfType)file.U16(16),
            machine: (ElfMachine)file.U16(18),
            entry: file.U64(24),
            phOff: file.U64(32),
            shOff: file.U64(40),
            flags: file.U32(48),
            phNum: file.U16(56),
            shNum: file.U16(60),
            shStrNdx: file.U16(62));
    }

    private static ElfSection[] ReadSections(BinaryBlock file, ElfHeader header, out ElfHeader resolved)
    {
        resolved = header;
        if (header.ShOff == 0)
        {
            if (header.ShNum != 0)
            {
                file.Fail($"e_shnum is {header.ShNum} but e_shoff is 0", 60);
            }

            return [];
        }

        if (file.U16(58) != ElfLayout.ShdrSize)
        {
            file.Fail($"e_shentsize is {file.U16(58)}, expected {ElfLayout.ShdrSize}", 58);
        }

        if (!BinaryBlock.Fits(header.ShOff, ElfLayout.ShdrSize, file.Length))
        {
            file.Fail($"section header table at e_shoff 0x{header.ShOff:x} is outside the {file.Length}-byte file", 40);
        }

        // Extended numbering: section 0's header holds counts that do not fit in 16 bits.
        var first = file.Sub(header.ShOff, ElfLayout.ShdrSize, section: null);
        var count = (ulong)header.ShNum;
        if (count == 0)
        {
            count = first.U64(32);
        }

        ulong shStrNdx = (ushort)header.ShStrNdx == ElfSectionIndex.XINDEX ? first.U32(40) : (ulong)header.ShStrNdx;
        ulong phNum = (ushort)header.PhNum == ElfLayout.PnXnum ? first.U32(44) : (ulong)header.PhNum;
        if (count == 0 || count > (ulong)file.Length / ElfLayout.ShdrSize || !BinaryBlock.Fits(header.ShOff, count * ElfLayout.ShdrSize, file.Length))
        {
            file.Fail($"section header table ({count} entries at 0x{header.ShOff:x}) does not fit in the file", 40);
        }

        if (shStrNdx >= count)
        {
            file.Fail($"e_shstrndx {shStrNdx} is not below the section count {count}", 62);
        }

        var table = file.Sub(header.ShOff, count * ElfLayout.ShdrSize, section: null);
        var raw = new (uint Name, ElfSectionType Type, ulong Flags, ulong Addr, ulong Offset, ulong Size, uint Link, uint Info, ulong Align, ulong EntSize)[count];
        for (var i = 0; i < raw.Length; i++)
        {
            var at = (ulong)i * ElfLayout.ShdrSize;
            raw[i] = (table.U32(at), (ElfSectionType)table.U32(at + 4), table.U64(at + 8), table.U64(at + 16), table.U64(at + 24),
                table.U64(at + 32), table.U32(at + 40), table.U32(at + 44), table.U64(at + 48), table.U64(at + 56));
            var type = raw[i].Type;
            if (i != 0 && type != ElfSectionType.NOBITS && type != ElfSectionType.NULL && !BinaryBlock.Fits(raw[i].Offset, raw[i].Size, file.Length))
            {
                file.Fail($"section [{i}] contents (0x{raw[i].Size:x} bytes at 0x{raw[i].Offset:x}) run past the end of the file", header.ShOff + at + 24);
            }
        }

        var names = default(BinaryBlock);
        var namesSection = "section [" + shStrNdx.ToString(CultureInfo.InvariantCulture) + "] (section names)";
        if (shStrNdx != 0)
        {
            var s = raw[shStrNdx];
            if (s.Type != ElfSectionType.STRTAB)
            {
                file.Fail($"e_shstrndx {shStrNdx} names a {s.Type} section, not a string table", 62);
            }

            names = new BinaryBlock(file.Slice(s.Offset, s.Size), namesSection);
        }

        var sections = new ElfSection[count];
        for (var i = 0; i < sections.Length; i++)
        {
            var r = raw[i];
            var name = string.Empty;
            if (shStrNdx != 0 && (r.Name != 0 || i != 0))
            {
                var bytes = names.CString(r.Name);
                name = bytes.IsEmpty ? string.Empty : Encoding.UTF8.GetString(bytes);
            }

            sections[i] = new ElfSection(i, name, r.Name, r.Type, (ElfSectionFlags)r.Flags, r.Addr, r.Offset, r.Size, r.Link, r.Info, r.Align, r.EntSize);
        }

        resolved = new ElfHeader(header.OsAbi, header.Type, header.Machine, header.Entry, header.PhOff, header.ShOff, header.Flags,
            phNum > int.MaxValue ? int.MaxValue : (int)phNum, (int)count, (int)shStrNdx);
        return sections;
    }

    private static ElfProgramHeader[] ReadProgramHeaders(BinaryBlock file, ElfHeader header)
    {
        var count = (ulong)header.PhNum;
        if (count == 0)
        {
            return [];
        }

        if (file.U16(54) != ElfLayout.PhdrSize)
        {
            file.Fail($"e_phentsize is {file.U16(54)}, expected {ElfLayout.PhdrSize}", 54);
        }

        if (count > (ulong)file.Length / ElfLayout.PhdrSize || !BinaryBlock.Fits(header.PhOff, count * ElfLayout.PhdrSize, file.Length))
        {
            file.Fail($"program header table ({count} entries at 0x{header.PhOff:x}) does not fit in the file", 32);
        }

        var table = file.Sub(header.PhOff, count * ElfLayout.PhdrSize, section: null);
        var headers = new ElfProgramHeader[count];
        for (var i = 0; i < headers.Length; i++)
        {
            var at = (ulong)i * ElfLayout.PhdrSize;
            headers[i] = new ElfProgramHeader(
                (ElfSegmentType)table.U32(at), (ElfSegmentFlags)table.U32(at + 4), table.U64(at + 8), table.U64(at + 16),
                table.U64(at + 24), table.U64(at + 32), table.U64(at + 40), table.U64(at + 48));
        }

        return headers;
    }
}
