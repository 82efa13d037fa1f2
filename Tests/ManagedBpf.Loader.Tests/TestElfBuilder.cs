using System.Buffers.Binary;
using System.Text;
using ManagedBpf.Loader.Elf;

namespace ManagedBpf.Loader.Tests;

/// <summary>
/// Builds small ELF64 little-endian images in memory: header, optional program headers, section contents,
/// a generated section-name table (added last) and the section header table at the end of the file.
/// </summary>
internal sealed class TestElfBuilder
{
    private readonly List<Section> _sections = [];
    private readonly List<Segment> _segments = [];

    public ElfType Type { get; set; } = ElfType.REL;

    public ElfMachine Machine { get; set; } = ElfMachine.BPF;

    /// <summary>Write e_shnum = 0 and e_shstrndx = SHN_XINDEX, keeping the real values in section 0.</summary>
    public bool ExtendedNumbering { get; set; }

    /// <summary>Adds a section; returns its index (section 0 is the null section).</summary>
    public int AddSection(string name, ElfSectionType type, byte[] data, uint link = 0, uint info = 0, ulong entSize = 0, ElfSectionFlags flags = ElfSectionFlags.None, ulong addr = 0, ulong? size = null, ulong addrAlign = 8)
    {
        _sections.Add(new Section(name, type, data, link, info, entSize, flags, addr, size, addrAlign));
        return _sections.Count;
    }

    public void AddSegment(ElfSegmentType type, ElfSegmentFlags flags, ulong offset, ulong vaddr, ulong fileSize, ulong memSize) =>
        _segments.Add(new Segment(type, flags, offset, vaddr, fileSize, memSize));

    /// <summary>A string table and the offsets of <paramref name="strings"/> in it (offset 0 is the empty string).</summary>
    public static (byte[] Table, uint[] Offsets) StringTable(params string[] strings)
    {
        var bytes = new List<byte> { 0 };
        var offsets = new uint[strings.Length];
        for (var i = 0; i < strings.Length; i++)
        {
            offsets[i] = (uint)bytes.Count;
            bytes.AddRange(Encoding.UTF8.GetBytes(strings[i]));
            bytes.Add(0);
        }

        return ([.. bytes], offsets);
    }

    /// <summary>An Elf64_Sym array (the null symbol first is the caller's job).</summary>
    public static byte[] Symbols(params (uint Name, ElfSymbolType Type, ElfSymbolBinding Binding, ushort Shndx, ulong Value, ulong Size)[] symbols)
    {
        var bytes = new byte[symbols.Length * 24];
        for (var i = 0; i < symbols.Length; i++)
        {
            var s = bytes.AsSpan(i * 24);
            var (name, type, binding, shndx, value, size) = symbols[i];
            BinaryPrimitives.WriteUInt32LittleEndian(s, name);
            s[4] = (byte)(((int)binding << 4) | (int)type);
            BinaryPrimitives.WriteUInt16LittleEndian(s[6..], shndx);
            BinaryPrimitives.WriteUInt64LittleEndian(s[8..], value);
            BinaryPrimitives.WriteUInt64LittleEndian(s[16..], size);
        }

        return bytes;
    }

    /// <summary>An Elf64_Rel array.</summary>
    public static byte[] Relocations(params (ulong Offset, uint Symbol, uint Type)[] relocations)
    {
        var bytes = new byte[relocations.Length * 16];
        for (var i = 0; i < relocations.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i * 16), relocations[i].Offset);
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan((i * 16) + 8), ((ulong)relocations[i].Symbol << 32) | relocations[i].Type);
        }

        return bytes;
    }

    public byte[] Build()
    {
        var names = new List<string> { ".shstrtab" };
        names.AddRange(_sections.Select(s => s.Name));
        var (shstrtab, nameOffsets) = StringTable([.. names]);
        var all = new List<Section>(_sections) { new(".shstrtab", ElfSectionType.STRTAB, shstrtab, 0, 0, 0, ElfSectionFlags.None, 0, null) };
        var shstrndx = all.Count; // index of .shstrtab (section 0 is null)

        using var file = new MemoryStream();
        file.Write(new byte[64]);
        var phoff = _segments.Count > 0 ? (ulong)file.Position : 0;
        foreach (var p in _segments)
        {
            var ph = new byte[56];
            BinaryPrimitives.WriteUInt32LittleEndian(ph, (uint)p.Type);
            BinaryPrimitives.WriteUInt32LittleEndian(ph.AsSpan(4), (uint)p.Flags);
            BinaryPrimitives.WriteUInt64LittleEndian(ph.AsSpan(8), p.Offset);
            BinaryPrimitives.WriteUInt64LittleEndian(ph.AsSpan(16), p.VAddr);
            BinaryPrimitives.WriteUInt64LittleEndian(ph.AsSpan(24), p.VAddr);
            BinaryPrimitives.WriteUInt64LittleEndian(ph.AsSpan(32), p.FileSize);
            BinaryPrimitives.WriteUInt64LittleEndian(ph.AsSpan(40), p.MemSize);
            BinaryPrimitives.WriteUInt64LittleEndian(ph.AsSpan(48), 0x1000);
            file.Write(ph);
        }

        var offsets = new ulong[all.Count];
        for (var i = 0; i < all.Count; i++)
        {
            while (file.Position % 8 != 0)
            {
                file.WriteByte(0);
            }

            offsets[i] = (ulong)file.Position;
            if (all[i].Type != ElfSectionType.NOBITS)
            {
                file.Write(all[i].Data);
            }
        }

        while (file.Position % 8 != 0)
        {
            file.WriteByte(0);
        }

        var shoff = (ulong)file.Position;
        var count = all.Count + 1;
        var sh0 = new byte[64];
        if (ExtendedNumbering)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(sh0.AsSpan(32), (ulong)count);
            BinaryPrimitives.WriteUInt32LittleEndian(sh0.AsSpan(40), (uint)shstrndx);
        }

        file.Write(sh0);
        for (var i = 0; i < all.Count; i++)
        {
            var s = all[i];
            var sh = new byte[64];
            BinaryPrimitives.WriteUInt32LittleEndian(sh, i == all.Count - 1 ? nameOffsets[0] : nameOffsets[i + 1]);
            BinaryPrimitives.WriteUInt32LittleEndian(sh.AsSpan(4), (uint)s.Type);
            BinaryPrimitives.WriteUInt64LittleEndian(sh.AsSpan(8), (ulong)s.Flags);
            BinaryPrimitives.WriteUInt64LittleEndian(sh.AsSpan(16), s.Addr);
            BinaryPrimitives.WriteUInt64LittleEndian(sh.AsSpan(24), offsets[i]);
            BinaryPrimitives.WriteUInt64LittleEndian(sh.AsSpan(32), s.Size ?? (ulong)s.Data.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(sh.AsSpan(40), s.Link);
            BinaryPrimitives.WriteUInt32LittleEndian(sh.AsSpan(44), s.Info);
            BinaryPrimitives.WriteUInt64LittleEndian(sh.AsSpan(48), s.AddrAlign);
            BinaryPrimitives.WriteUInt64LittleEndian(sh.AsSpan(56), s.EntSize);
            file.Write(sh);
        }

        var image = file.ToArray();
        var h = image.AsSpan();
        "\u007fELF"u8.CopyTo(h);
        h[4] = 2; // ELFCLASS64
        h[5] = 1; // ELFDATA2LSB
        h[6] = 1; // EV_CURRENT
        BinaryPrimitives.WriteUInt16LittleEndian(h[16..], (ushort)Type);
        BinaryPrimitives.WriteUInt16LittleEndian(h[18..], (ushort)Machine);
        BinaryPrimitives.WriteUInt32LittleEndian(h[20..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(h[32..], phoff);
        BinaryPrimitives.WriteUInt64LittleEndian(h[40..], shoff);
        BinaryPrimitives.WriteUInt16LittleEndian(h[52..], 64);
        BinaryPrimitives.WriteUInt16LittleEndian(h[54..], 56);
        BinaryPrimitives.WriteUInt16LittleEndian(h[56..], (ushort)_segments.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(h[58..], 64);
        BinaryPrimitives.WriteUInt16LittleEndian(h[60..], ExtendedNumbering ? (ushort)0 : (ushort)count);
        BinaryPrimitives.WriteUInt16LittleEndian(h[62..], ExtendedNumbering ? ElfSectionIndex.XINDEX : (ushort)shstrndx);
        return image;
    }

    private sealed record Segment(ElfSegmentType Type, ElfSegmentFlags Flags, ulong Offset, ulong VAddr, ulong FileSize, ulong MemSize);

    private sealed record Section(string Name, ElfSectionType Type, byte[] Data, uint Link, uint Info, ulong EntSize, ElfSectionFlags Flags, ulong Addr, ulong? Size, ulong AddrAlign = 8);
}
