using System.Buffers.Binary;
using System.Text;
using ManagedBpf.Loader.Elf;
using ManagedBpf.Loader.Usdt;

namespace ManagedBpf.Loader.Tests.Usdt;

/// <summary>Hand-built USDT notes and the executables that carry them (sys/sdt.h's layout, without a compiler).</summary>
internal static class UsdtImages
{
    /// <summary>The text segment: file 0x1000.. at 0x401000, executable.</summary>
    public const ulong TextOffset = 0x1000, TextAddress = 0x401000, TextSize = 0x1000;

    /// <summary>The data segment: file 0x2000.. at 0x603000 (address and offset differ by more than the text's), writable, with bss beyond the file.</summary>
    public const ulong DataOffset = 0x2000, DataAddress = 0x603000, DataFileSize = 0x100, DataMemSize = 0x2000;

    /// <summary>One Elf64_Nhdr note: owner, type, then the descriptor (pc, base, semaphore, provider, name, arguments), each padded to <paramref name="align"/>.</summary>
    public static byte[] Note(string provider, string name, string arguments, ulong pc, ulong @base = 0, ulong semaphore = 0, string owner = "stapsdt", uint type = 3, int align = 4)
    {
        var desc = new List<byte>();
        Span<byte> address = stackalloc byte[8];
        foreach (var a in new[] { pc, @base, semaphore })
        {
            BinaryPrimitives.WriteUInt64LittleEndian(address, a);
            desc.AddRange(address.ToArray());
        }

        foreach (var s in new[] { provider, name, arguments })
        {
            desc.AddRange(Encoding.UTF8.GetBytes(s));
            desc.Add(0);
        }

        return Raw(Encoding.UTF8.GetBytes(owner + "\0"), type, [.. desc], align);
    }

    /// <summary>A note with exactly these name and descriptor bytes.</summary>
    public static byte[] Raw(byte[] owner, uint type, byte[] desc, int align = 4)
    {
        var note = new List<byte>();
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)owner.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)desc.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], type);
        note.AddRange(header.ToArray());
        note.AddRange(owner);
        Pad(note, align);
        note.AddRange(desc);
        Pad(note, align);
        return [.. note];
    }

    /// <summary>
    /// An x86_64 executable with a text and a data segment, <c>.note.stapsdt</c> holding <paramref name="notes"/>,
    /// and optionally <c>.stapsdt.base</c> at <paramref name="baseAddress"/> (inside the text).
    /// </summary>
    public static ElfFile Executable(byte[] notes, ulong? baseAddress = null, ElfType type = ElfType.EXEC, ulong noteAlign = 4)
    {
        var builder = new TestElfBuilder { Type = type, Machine = ElfMachine.X86_64 };
        builder.AddSegment(ElfSegmentType.LOAD, ElfSegmentFlags.R | ElfSegmentFlags.X, TextOffset, TextAddress, TextSize, TextSize);
        builder.AddSegment(ElfSegmentType.LOAD, ElfSegmentFlags.R | ElfSegmentFlags.W, DataOffset, DataAddress, DataFileSize, DataMemSize);
        builder.AddSection(UsdtNotes.NoteSection, ElfSectionType.NOTE, notes, addrAlign: noteAlign);
        if (baseAddress is { } b)
            builder.AddSection(UsdtNotes.BaseSection, ElfSectionType.PROGBITS, [0], flags: ElfSectionFlags.ALLOC | ElfSectionFlags.EXECINSTR, addr: b);
        return ElfFile.Parse(builder.Build());
    }

    public static byte[] Concat(params byte[][] notes) => [.. notes.SelectMany(n => n)];

    private static void Pad(List<byte> bytes, int align)
    {
        while (bytes.Count % align != 0)
            bytes.Add(0);
    }
}
