using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using ManagedBpf.Loader.Elf;

namespace ManagedBpf.Loader.Usdt;

/// <summary>
/// Reads the USDT notes of an executable or shared library, as libbpf's <c>collect_usdt_targets</c> and
/// <c>parse_usdt_note</c> do: every note of <c>.note.stapsdt</c> must be owner <c>stapsdt</c>, type 3, with a
/// descriptor of three 8-byte addresses and three NUL-terminated strings of which the name is not empty.
/// </summary>
public static class UsdtNotes
{
    /// <summary>The section <c>sys/sdt.h</c> writes its notes to.</summary>
    public const string NoteSection = ".note.stapsdt";

    /// <summary>The one-byte marker section a note's base address refers to; prelink moves it, and the difference moves every probe.</summary>
    public const string BaseSection = ".stapsdt.base";

    /// <summary><c>NT_STAPSDT</c>.</summary>
    public const uint NoteType = 3;

    /// <summary>Three 64-bit addresses (pc, base, semaphore), then the strings.</summary>
    private const int AddressesSize = 24;

    /// <summary>Every note of <see cref="NoteSection"/>, in file order.</summary>
    /// <param name="elf">The parsed binary.</param>
    /// <returns>The notes; empty when the binary has no such section.</returns>
    /// <exception cref="BpfObjectFormatException">The section is not a note section, or a note is malformed (the message names it and its offset).</exception>
    public static IReadOnlyList<UsdtNote> Read(ElfFile elf)
    {
        ArgumentNullException.ThrowIfNull(elf);
        if (elf.FindSection(NoteSection) is not { } section)
            return [];
        if (section.Type != ElfSectionType.NOTE)
            BpfObjectFormatException.Throw($"{NoteSection} is a {section.Type} section, not a NOTE section", NoteSection, null);
        return Parse(elf.GetSectionData(section).Span, section.AddrAlign);
    }

    /// <summary>Parses the contents of a <see cref="NoteSection"/>.</summary>
    /// <param name="notes">The section's bytes.</param>
    /// <param name="alignment">The section's <c>sh_addralign</c>: names and descriptors are padded to 8 bytes when it is 8, else to 4 (what libelf's <c>gelf_getnote</c> does).</param>
    /// <returns>The notes in order.</returns>
    /// <exception cref="BpfObjectFormatException">A note is malformed (the message names it and its offset).</exception>
    public static IReadOnlyList<UsdtNote> Parse(ReadOnlySpan<byte> notes, ulong alignment = 4)
    {
        var pad = alignment == 8 ? 8UL : 4UL;
        var block = new BinaryBlock(notes, NoteSection);
        var result = new List<UsdtNote>();
        ulong at = 0;
        while (at < (ulong)block.Length)
        {
            // Elf64_Nhdr: u32 n_namesz, n_descsz, n_type; then the name and the descriptor, each padded.
            var nameSize = block.U32(at);
            var descSize = block.U32(at + 4);
            var type = block.U32(at + 8);
            var nameAt = at + 12;
            // The descriptor and the next note start at the next multiple of the alignment, counted from the section's start.
            var descAt = Align(nameAt + nameSize, pad);
            var owner = UntilNul(block.Slice(nameAt, nameSize));
            var desc = block.Slice(descAt, descSize);
            var note = result.Count;
            if (!owner.SequenceEqual("stapsdt"u8))
                Fail(note, at, $"has owner '{Encoding.UTF8.GetString(owner)}', expected 'stapsdt'");
            if (type != NoteType)
                Fail(note, at, string.Create(CultureInfo.InvariantCulture, $"has type {type}, expected {NoteType} (NT_STAPSDT)"));
            result.Add(Descriptor(desc, note, at));
            at = Align(descAt + descSize, pad);
        }

        return result;
    }

    /// <summary>pc, base and semaphore, then provider, name and arguments; an argument string that is empty or starts with ':' means none, as libbpf reads it.</summary>
    private static UsdtNote Descriptor(ReadOnlySpan<byte> desc, int note, ulong at)
    {
        if (desc.Length < AddressesSize + 3)
            Fail(note, at, string.Create(CultureInfo.InvariantCulture, $"has a {desc.Length}-byte descriptor, too short for three addresses and three strings"));
        var block = new BinaryBlock(desc, NoteSection);
        var strings = desc[AddressesSize..];
        var providerEnd = strings.IndexOf((byte)0);
        if (providerEnd < 0)
            Fail(note, at, "has a provider that is not NUL-terminated");
        var rest = strings[(providerEnd + 1)..];
        var nameEnd = rest.IndexOf((byte)0);
        if (rest.IsEmpty || rest[0] == 0)
            Fail(note, at, "has no probe name");
        if (nameEnd < 0)
            Fail(note, at, "has a probe name that is not NUL-terminated");
        var args = rest[(nameEnd + 1)..];
        if (args.IsEmpty)
            Fail(note, at, "has no argument string");
        var argText = Encoding.UTF8.GetString(UntilNul(args));
        return new UsdtNote(
            Encoding.UTF8.GetString(strings[..providerEnd]),
            Encoding.UTF8.GetString(rest[..nameEnd]),
            argText.StartsWith(':') ? string.Empty : argText,
            block.U64(0),
            block.U64(8),
            block.U64(16),
            at);
    }

    private static ReadOnlySpan<byte> UntilNul(ReadOnlySpan<byte> bytes) => bytes.IndexOf((byte)0) is var end and >= 0 ? bytes[..end] : bytes;

    private static ulong Align(ulong offset, ulong pad) => (offset + pad - 1) & ~(pad - 1);

    [DoesNotReturn]
    private static void Fail(int note, ulong at, string problem) =>
        BpfObjectFormatException.Throw(string.Create(CultureInfo.InvariantCulture, $"USDT note #{note} {problem}"), NoteSection, (long)at);
}
