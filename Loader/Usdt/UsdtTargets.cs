using System.Globalization;
using ManagedBpf.Loader.Elf;

namespace ManagedBpf.Loader.Usdt;

/// <summary>
/// Finds where to attach for a USDT probe, by libbpf's <c>collect_usdt_targets</c>: every note of the probe in the
/// binary is one site; its pc is moved by the difference between <c>.stapsdt.base</c>'s address and the base the note
/// recorded (prelink), then translated to a file offset through the <c>PT_LOAD</c> segment whose
/// <c>[p_vaddr, p_vaddr + p_memsz)</c> holds it, which must be executable; a semaphore goes through a segment that
/// must not be. The binary must be an executable or a shared object (<c>ET_EXEC</c> or <c>ET_DYN</c>).
/// </summary>
public static class UsdtTargets
{
    /// <summary>Every site of <paramref name="provider"/>:<paramref name="name"/> in <paramref name="elf"/>, with its arguments parsed.</summary>
    /// <param name="elf">The parsed binary.</param>
    /// <param name="provider">The probe's provider.</param>
    /// <param name="name">The probe's name.</param>
    /// <param name="binaryPath">The binary's path, for messages.</param>
    /// <param name="maxArguments">How many arguments the object's <c>struct __bpf_usdt_spec</c> holds.</param>
    /// <returns>The sites in note order.</returns>
    /// <exception cref="KeyNotFoundException">The binary has no such probe (the message lists the probes it has, or says it has no USDT notes).</exception>
    /// <exception cref="BpfObjectFormatException">The binary is neither an executable nor a shared object, has no loadable segments, or a note is malformed or points outside the segments it must be in.</exception>
    /// <exception cref="FormatException">A site's argument specification cannot be read (see <see cref="UsdtArguments.Parse"/>).</exception>
    public static IReadOnlyList<UsdtTarget> Find(ElfFile elf, string provider, string name, string binaryPath, int maxArguments = UsdtArguments.DefaultMaxArguments)
    {
        ArgumentNullException.ThrowIfNull(elf);
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (elf.Header.Type is not (ElfType.EXEC or ElfType.DYN))
            throw new BpfObjectFormatException($"{binaryPath} is an ELF {elf.Header.Type} file; USDT probes are attached in executables and shared objects (ET_EXEC, ET_DYN) only.");

        var notes = UsdtNotes.Read(elf);
        if (notes.Count == 0)
            throw new KeyNotFoundException($"No USDT probe {provider}:{name} in {binaryPath}: it has no {UsdtNotes.NoteSection} notes (it was built without sys/sdt.h probes).");
        var matching = notes.Where(n => n.Provider == provider && n.Name == name).ToList();
        if (matching.Count == 0)
        {
            var known = notes.Select(n => n.ToString()).Distinct().Order(StringComparer.Ordinal).ToList();
            throw new KeyNotFoundException($"No USDT probe {provider}:{name} in {binaryPath}; its probes are {string.Join(", ", known.Take(20))}{(known.Count > 20 ? $" and {known.Count - 20} more" : "")}.");
        }

        var segments = elf.ProgramHeaders.Where(p => p.Type == ElfSegmentType.LOAD).OrderBy(p => p.VAddr).ToList();
        if (segments.Count == 0)
            throw new BpfObjectFormatException($"{binaryPath} has no PT_LOAD program headers to translate USDT addresses to file offsets.");
        var baseAddress = elf.FindSection(UsdtNotes.BaseSection)?.Addr ?? 0;

        var targets = new List<UsdtTarget>(matching.Count);
        foreach (var note in matching)
        {
            var address = note.Location;
            if (baseAddress != 0 && note.Base != 0)
                address += baseAddress - note.Base;
            var code = Segment(segments, address, note, "pc", binaryPath);
            if ((code.Flags & ElfSegmentFlags.X) == 0)
                Fail(note, binaryPath, $"pc 0x{address:x} is in a segment that is not executable ({code})");

            ulong semaphore = 0;
            if (note.Semaphore != 0)
            {
                // As libbpf: the semaphore's address is taken as recorded, without the prelink adjustment the pc gets.
                var data = Segment(segments, note.Semaphore, note, "semaphore", binaryPath);
                if ((data.Flags & ElfSegmentFlags.X) != 0)
                    Fail(note, binaryPath, $"semaphore 0x{note.Semaphore:x} is in an executable segment ({data})");
                semaphore = note.Semaphore - data.VAddr + data.Offset;
            }

            targets.Add(new UsdtTarget(note, address, address - code.VAddr + code.Offset, semaphore, UsdtArguments.Parse(note.Arguments, maxArguments)));
        }

        return targets;
    }

    /// <summary>
    /// Places sites of a shared object or PIE at the addresses they run at in one process (libbpf's <c>parse_vma_segs</c>
    /// and <c>find_vma_seg</c>): through the executable mapping of the binary whose file range holds each site's file offset.
    /// Needed only without BPF cookies, when programs find their spec by instruction pointer.
    /// </summary>
    /// <param name="targets">Sites found by <see cref="Find"/>.</param>
    /// <param name="mappings">The process's mappings of the binary (<c>/proc/PID/maps</c> lines whose path is the binary's real path).</param>
    /// <param name="binaryPath">The binary's path, for messages.</param>
    /// <returns>The sites with <see cref="UsdtTarget.Address"/> set to where they run.</returns>
    /// <exception cref="KeyNotFoundException">No executable mapping covers a site (the process does not map the binary).</exception>
    public static IReadOnlyList<UsdtTarget> Relocate(IReadOnlyList<UsdtTarget> targets, IEnumerable<ProcessMapping> mappings, string binaryPath)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(mappings);
        var executable = mappings.Where(m => m.IsExecutable).ToList();
        return [.. targets.Select(t => executable.FirstOrDefault(m => t.FileOffset >= m.Offset && t.FileOffset - m.Offset < m.End - m.Start) is { } m
            ? t with { Address = m.Start - m.Offset + t.FileOffset }
            : throw new KeyNotFoundException(string.Create(CultureInfo.InvariantCulture,
                $"USDT probe {t.Note} at file offset 0x{t.FileOffset:x} of {binaryPath} is in no executable mapping of the process: does it map that file?")))];
    }

    private static ElfProgramHeader Segment(List<ElfProgramHeader> segments, ulong address, UsdtNote note, string what, string binaryPath)
    {
        foreach (var segment in segments)
        {
            if (address >= segment.VAddr && address - segment.VAddr < segment.MemSize)
                return segment;
        }

        Fail(note, binaryPath, $"{what} 0x{address:x} is in no PT_LOAD segment");
        return default;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Fail(UsdtNote note, string binaryPath, string problem) =>
        BpfObjectFormatException.Throw(
            string.Create(CultureInfo.InvariantCulture, $"USDT note {note} of {binaryPath}: {problem}"), UsdtNotes.NoteSection, (long)note.NoteOffset);
}
