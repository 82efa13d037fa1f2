using System.Text;
using ManagedBpf.Loader.Elf;
using ManagedBpf.Loader.Usdt;
using static ManagedBpf.Loader.Tests.Usdt.UsdtImages;

namespace ManagedBpf.Loader.Tests.Usdt;

/// <summary>The <c>.note.stapsdt</c> reader and the site finder on hand-built images: libbpf's checks, message by message.</summary>
public sealed class UsdtNotesTests
{
    [Fact]
    public void Notes_are_read_in_order_with_their_addresses_and_strings()
    {
        var elf = Executable(Concat(
            Note("app", "start", "-4@%edi 8@-16(%rbp)", TextAddress + 0x10, TextAddress, DataAddress + 4),
            Note("app", "stop", "", TextAddress + 0x20),
            Note("lib", "odd", ":legacy", TextAddress + 0x30)));

        var notes = UsdtNotes.Read(elf);

        Assert.Equal(3, notes.Count);
        Assert.Equal(new UsdtNote("app", "start", "-4@%edi 8@-16(%rbp)", TextAddress + 0x10, TextAddress, DataAddress + 4, 0), notes[0]);
        Assert.Equal(("app", "stop", "", 0ul), (notes[1].Provider, notes[1].Name, notes[1].Arguments, notes[1].Semaphore));
        Assert.Equal("", notes[2].Arguments); // libbpf reads an argument string starting with ':' as none
        Assert.True(notes[1].NoteOffset > 0);
    }

    [Fact]
    public void A_binary_without_the_section_has_no_notes()
    {
        var builder = new TestElfBuilder { Type = ElfType.EXEC, Machine = ElfMachine.X86_64 };
        builder.AddSection(".text", ElfSectionType.PROGBITS, [0x90]);
        Assert.Empty(UsdtNotes.Read(ElfFile.Parse(builder.Build())));
    }

    [Fact]
    public void Notes_in_an_8_byte_aligned_section_are_padded_to_8()
    {
        var notes = Concat(Note("p", "n", "8@%rax", TextAddress, align: 8), Note("p", "m", "4@$1", TextAddress + 1, align: 8));
        Assert.Equal(["n", "m"], UsdtNotes.Parse(notes, alignment: 8).Select(n => n.Name));
        Assert.Equal(["n", "m"], UsdtNotes.Read(Executable(notes, noteAlign: 8)).Select(n => n.Name));
    }

    public static TheoryData<string, byte[]> Malformed => new()
    {
        { "has owner 'GNU', expected 'stapsdt'", Note("p", "n", "", TextAddress, owner: "GNU") },
        { "has type 1, expected 3 (NT_STAPSDT)", Note("p", "n", "", TextAddress, type: 1) },
        { "too short for three addresses and three strings", Raw(Encoding.ASCII.GetBytes("stapsdt\0"), 3, new byte[26]) },
        { "has no probe name", Raw(Encoding.ASCII.GetBytes("stapsdt\0"), 3, [.. new byte[24], (byte)'p', 0, 0, 0]) },
        { "provider that is not NUL-terminated", Raw(Encoding.ASCII.GetBytes("stapsdt\0"), 3, [.. new byte[24], (byte)'p', (byte)'q', (byte)'r']) },
        { "probe name that is not NUL-terminated", Raw(Encoding.ASCII.GetBytes("stapsdt\0"), 3, [.. new byte[24], (byte)'p', 0, (byte)'n', (byte)'m']) },
        { "has no argument string", Raw(Encoding.ASCII.GetBytes("stapsdt\0"), 3, [.. new byte[24], (byte)'p', 0, (byte)'n', 0]) },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_note_is_a_format_error_naming_it(string problem, byte[] bad)
    {
        var notes = Concat(Note("ok", "first", "", TextAddress), bad);
        var e = Assert.Throws<BpfObjectFormatException>(() => UsdtNotes.Parse(notes));
        Assert.Contains("USDT note #1 ", e.Message);
        Assert.Contains(problem, e.Message);
        Assert.Equal(UsdtNotes.NoteSection, e.Section);
        Assert.Equal((long)Note("ok", "first", "", TextAddress).Length, e.Offset);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(13)]
    [InlineData(20)]
    public void A_truncated_note_is_a_format_error(int keep)
    {
        var note = Note("p", "n", "8@%rax", TextAddress);
        Assert.Throws<BpfObjectFormatException>(() => UsdtNotes.Parse(note.AsSpan(0, keep)));
    }

    [Fact]
    public void A_note_section_of_another_type_is_refused()
    {
        var builder = new TestElfBuilder { Type = ElfType.EXEC, Machine = ElfMachine.X86_64 };
        builder.AddSection(UsdtNotes.NoteSection, ElfSectionType.PROGBITS, Note("p", "n", "", 1));
        Assert.Contains("not a NOTE section", Assert.Throws<BpfObjectFormatException>(() => UsdtNotes.Read(ElfFile.Parse(builder.Build()))).Message);
    }

    [Fact]
    public void Sites_get_file_offsets_through_their_segments_and_semaphores_through_theirs()
    {
        var elf = Executable(Concat(
            Note("app", "probe", "-4@%edi", TextAddress + 0x10, semaphore: DataAddress + 0x40),
            Note("app", "other", "", TextAddress + 0x18),
            Note("app", "probe", "8@%rax", TextAddress + 0x20, semaphore: DataAddress + 0x40),
            // A semaphore in .bss-like memory (past p_filesz, within p_memsz) still maps, as libbpf computes it.
            Note("app", "late", "", TextAddress + 0x28, semaphore: DataAddress + 0x1000)));

        var sites = UsdtTargets.Find(elf, "app", "probe", "app");

        Assert.Equal([TextOffset + 0x10, TextOffset + 0x20], sites.Select(s => s.FileOffset));
        Assert.Equal([TextAddress + 0x10, TextAddress + 0x20], sites.Select(s => s.Address));
        Assert.All(sites, s => Assert.Equal(DataOffset + 0x40, s.SemaphoreOffset));
        Assert.Equal(UsdtArgumentKind.Register, sites[0].Arguments.Single().Kind);
        Assert.Equal(DataOffset + 0x1000, UsdtTargets.Find(elf, "app", "late", "app").Single().SemaphoreOffset);
        Assert.Equal(0ul, UsdtTargets.Find(elf, "app", "other", "app").Single().SemaphoreOffset);
    }

    [Fact]
    public void The_pc_moves_with_stapsdt_base_as_prelink_leaves_it_and_the_semaphore_does_not()
    {
        // The note was written when .stapsdt.base was at TextAddress + 0x800; prelink moved the section 0x100 up.
        var elf = Executable(Note("app", "probe", "", TextAddress + 0x10, TextAddress + 0x800, DataAddress + 8), baseAddress: TextAddress + 0x900);
        var site = UsdtTargets.Find(elf, "app", "probe", "app").Single();
        Assert.Equal(TextAddress + 0x110, site.Address);
        Assert.Equal(TextOffset + 0x110, site.FileOffset);
        Assert.Equal(DataOffset + 8, site.SemaphoreOffset); // libbpf applies no adjustment to it

        // A note without a base, or a binary without the section, is taken as written.
        Assert.Equal(TextAddress + 0x10, UsdtTargets.Find(Executable(Note("app", "probe", "", TextAddress + 0x10), baseAddress: TextAddress + 0x900), "app", "probe", "app").Single().Address);
        Assert.Equal(TextAddress + 0x10, UsdtTargets.Find(Executable(Note("app", "probe", "", TextAddress + 0x10, TextAddress + 0x800)), "app", "probe", "app").Single().Address);
    }

    [Fact]
    public void A_missing_probe_names_the_probes_there_are()
    {
        var elf = Executable(Concat(Note("app", "b", "", TextAddress), Note("app", "a", "", TextAddress + 1), Note("app", "a", "", TextAddress + 2)));
        var e = Assert.Throws<KeyNotFoundException>(() => UsdtTargets.Find(elf, "app", "c", "/bin/app"));
        Assert.Contains("No USDT probe app:c in /bin/app; its probes are app:a, app:b.", e.Message);

        var builder = new TestElfBuilder { Type = ElfType.DYN, Machine = ElfMachine.X86_64 };
        builder.AddSegment(ElfSegmentType.LOAD, ElfSegmentFlags.R | ElfSegmentFlags.X, 0, 0, 0x1000, 0x1000);
        Assert.Contains("it has no .note.stapsdt notes", Assert.Throws<KeyNotFoundException>(() => UsdtTargets.Find(ElfFile.Parse(builder.Build()), "libc", "setjmp", "libc.so.6")).Message);
    }

    [Fact]
    public void Sites_outside_the_segments_they_belong_in_are_format_errors()
    {
        Assert.Contains("pc 0x500000 is in no PT_LOAD segment",
            Assert.Throws<BpfObjectFormatException>(() => UsdtTargets.Find(Executable(Note("a", "p", "", 0x500000)), "a", "p", "x")).Message);
        Assert.Contains("is in a segment that is not executable",
            Assert.Throws<BpfObjectFormatException>(() => UsdtTargets.Find(Executable(Note("a", "p", "", DataAddress)), "a", "p", "x")).Message);
        Assert.Contains("semaphore 0x401008 is in an executable segment",
            Assert.Throws<BpfObjectFormatException>(() => UsdtTargets.Find(Executable(Note("a", "p", "", TextAddress, semaphore: TextAddress + 8)), "a", "p", "x")).Message);
        var e = Assert.Throws<BpfObjectFormatException>(() => UsdtTargets.Find(Executable(Note("a", "p", "", TextAddress, semaphore: 0x900000)), "a", "p", "x"));
        Assert.Contains("USDT note a:p of x: semaphore 0x900000 is in no PT_LOAD segment", e.Message);
        Assert.Equal(UsdtNotes.NoteSection, e.Section);
    }

    [Fact]
    public void Only_executables_and_shared_objects_are_probed()
    {
        var e = Assert.Throws<BpfObjectFormatException>(() => UsdtTargets.Find(Executable(Note("a", "p", "", TextAddress), type: ElfType.REL), "a", "p", "x.o"));
        Assert.Contains("ET_EXEC, ET_DYN", e.Message);
        Assert.Single(UsdtTargets.Find(Executable(Note("a", "p", "", TextAddress), type: ElfType.DYN), "a", "p", "x.so"));
    }

    [Fact]
    public void An_unreadable_argument_of_a_matching_site_fails_the_lookup_and_others_do_not_matter()
    {
        var elf = Executable(Concat(Note("a", "bad", "8@%xmm0", TextAddress), Note("a", "good", "8@%rax", TextAddress + 1)));
        Assert.Single(UsdtTargets.Find(elf, "a", "good", "x"));
        Assert.Contains("xmm0", Assert.Throws<FormatException>(() => UsdtTargets.Find(elf, "a", "bad", "x")).Message);
    }

    [Fact]
    public void Shared_object_sites_are_placed_through_the_process_executable_mappings()
    {
        var elf = Executable(Concat(Note("lib", "p", "", TextAddress + 0x10), Note("lib", "p", "", TextAddress + 0x800)), type: ElfType.DYN);
        var sites = UsdtTargets.Find(elf, "lib", "p", "/usr/lib/libx.so");
        var maps = ProcessMapping.Parse(
            "7f0000000000-7f0000001000 r--p 00000000 08:01 1234     /usr/lib/libx.so\n" +
            "7f0000001000-7f0000001800 r-xp 00001000 08:01 1234     /usr/lib/libx.so\n" +
            "7f0000002000-7f0000003000 r-xp 00001800 08:01 1234     /usr/lib/libx.so\n" +
            "7f0000003000-7f0000004000 rw-p 00000000 00:00 0 \n");
        Assert.Equal(4, maps.Count);
        Assert.Equal("", maps[3].Path);
        Assert.Equal("/usr/lib/libx.so", maps[1].Path);

        var placed = UsdtTargets.Relocate(sites, maps.Where(m => m.Path == "/usr/lib/libx.so"), "/usr/lib/libx.so");

        Assert.Equal([0x7f0000001010ul, 0x7f0000002000ul], placed.Select(s => s.Address));
        Assert.Contains("in no executable mapping", Assert.Throws<KeyNotFoundException>(() => UsdtTargets.Relocate(sites, maps.Take(1), "/usr/lib/libx.so")).Message);
    }

    [Fact]
    public void Maps_lines_keep_paths_with_spaces_and_skip_what_is_not_a_mapping()
    {
        var maps = ProcessMapping.Parse("00400000-00401000 r-xp 00000000 fd:00 42    /opt/my app/bin (deleted)\ngarbage\n\n");
        var m = Assert.Single(maps);
        Assert.Equal(("/opt/my app/bin (deleted)", 0x400000ul, 0x401000ul, true), (m.Path, m.Start, m.End, m.IsExecutable));
    }
}
