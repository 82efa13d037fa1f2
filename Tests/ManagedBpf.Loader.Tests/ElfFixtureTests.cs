using ManagedBpf.Loader.Elf;

namespace ManagedBpf.Loader.Tests;

public sealed class ElfFixtureTests
{
    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void EveryFixtureIsARelocatableBpfObjectWithBtf(string name)
    {
        var elf = Fixtures.Elf(name);

        elf.EnsureBpfRelocatable();
        Assert.Equal(ElfMachine.BPF, elf.Header.Machine);
        Assert.Equal(ElfType.REL, elf.Header.Type);
        Assert.Empty(elf.ProgramHeaders);
        Assert.Equal(elf.Header.ShNum, elf.Sections.Count);
        Assert.Equal(ElfSectionType.NULL, elf.Sections[0].Type);
        for (var i = 0; i < elf.Sections.Count; i++)
        {
            Assert.Equal(i, elf.Sections[i].Index);
        }

        Assert.NotNull(elf.FindSection(".BTF"));
        Assert.NotNull(elf.FindSection(".BTF.ext"));
        // Every fixture is dual-licensed (its SPDX line says GPL-2.0-only OR MIT) and says so in the string the
        // kernel's license_is_gpl_compatible() accepts, which GPL-only helpers need.
        var license = System.Text.Encoding.ASCII.GetString(elf.GetSectionData(elf.FindSection("license")!).Span);
        Assert.Equal("Dual MIT/GPL\0", license);
        Assert.Null(elf.DynamicSymbolTable);
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void EveryRelocationPointsAtASymbolAndInsideItsTargetSection(string name)
    {
        var elf = Fixtures.Elf(name);
        var symbols = elf.SymbolTable!;

        foreach (var section in elf.Sections.Where(s => s.Type == ElfSectionType.REL))
        {
            var target = elf.Sections[(int)section.Info];
            Assert.Equal(".rel" + target.Name, section.Name);
            Assert.Equal(symbols.Section.Index, (int)section.Link);
            foreach (var relocation in elf.GetRelocations(section))
            {
                Assert.True(relocation.SymbolIndex < symbols.Count);
                Assert.True(relocation.Offset < target.Size);
                Assert.Equal(0, relocation.Addend);
            }
        }
    }

    [Fact]
    public void GlobalDataSectionsAndSymbolsAreWhatClangEmits()
    {
        var elf = Fixtures.Elf("globals.bpf.o");

        var bss = elf.FindSection(".bss")!;
        Assert.Equal(ElfSectionType.NOBITS, bss.Type);
        Assert.True(bss.Size > 0);
        Assert.True(elf.GetSectionData(bss).IsEmpty);
        Assert.Equal(ElfSectionType.PROGBITS, elf.FindSection(".data.custom")!.Type);
        var strings = elf.FindSection(".rodata.str1.1")!;
        Assert.Equal(ElfSectionFlags.ALLOC | ElfSectionFlags.MERGE | ElfSectionFlags.STRINGS, strings.Flags);
        Assert.Contains("kernel %u hz %d\n", System.Text.Encoding.ASCII.GetString(elf.GetSectionData(strings).Span), StringComparison.Ordinal);
        Assert.Equal(ElfSectionFlags.ALLOC | ElfSectionFlags.EXECINSTR, elf.FindSection("syscall")!.Flags);

        var symbols = elf.SymbolTable!;
        Assert.True(symbols.TryFind("mix", out var mix));
        Assert.Equal((ElfSymbolType.FUNC, ElfSymbolBinding.LOCAL), (mix.Type, mix.Binding));
        Assert.Equal(".text", elf.Sections[(int)mix.SectionIndex].Name);
        Assert.True(symbols.TryFind("clamp_add", out var clampAdd));
        Assert.Equal((ElfSymbolType.FUNC, ElfSymbolBinding.GLOBAL, ElfSymbolVisibility.DEFAULT), (clampAdd.Type, clampAdd.Binding, clampAdd.Visibility));
        Assert.True(symbols.TryFind("run_globals", out var program));
        Assert.Equal("syscall", elf.Sections[(int)program.SectionIndex].Name);
        Assert.Equal(0ul, program.Value);
        Assert.Equal(0ul, program.Size % 8);

        Assert.True(symbols.TryFind("LINUX_KERNEL_VERSION", out var kernelVersion));
        Assert.True(kernelVersion.IsUndefined);
        Assert.Equal(ElfSymbolBinding.GLOBAL, kernelVersion.Binding);
        Assert.True(symbols.TryFind("CONFIG_HZ", out var hz));
        Assert.Equal(ElfSymbolBinding.WEAK, hz.Binding);

        Assert.True(symbols.TryFind("window", out var window));
        Assert.Equal((ElfSymbolType.OBJECT, 16ul, ".bss"), (window.Type, window.Size, elf.Sections[(int)window.SectionIndex].Name));
        Assert.False(symbols.TryFind("no_such_symbol", out _));
    }

    [Fact]
    public void MapRelocationsInProgramsUseR_BPF_64_64AgainstMapSymbols()
    {
        var elf = Fixtures.Elf("maps.bpf.o");
        var symbols = elf.SymbolTable!;
        var relocations = elf.GetRelocations(elf.FindSection(".relxdp")!);

        Assert.NotEmpty(relocations);
        var first = relocations[0];
        Assert.Equal(1u, first.Type); // R_BPF_64_64: ld_imm64 of a map
        Assert.Equal("flows", symbols[(int)first.SymbolIndex].Name);
        Assert.All(relocations, r => Assert.Equal(0ul, r.Offset % 8));
        Assert.Contains(relocations, r => symbols[(int)r.SymbolIndex].Name == "jump_table");

        // Map-in-map and prog-array initial values are data relocations in .maps.
        var mapRelocations = elf.GetRelocations(elf.FindSection(".rel.maps")!);
        Assert.Equal(
            ["inner_a", "inner_b", "xdp_tail_drop", "xdp_tail_pass"],
            mapRelocations.Select(r => symbols[(int)r.SymbolIndex].Name).Order());
    }

    [Fact]
    public void LegacyMapDefinitionsAreTwentyByteObjectsInMaps()
    {
        var elf = Fixtures.Elf("legacy_maps.bpf.o");
        var maps = elf.FindSection("maps")!;

        var definitions = elf.SymbolTable!.Where(s => s.Type == ElfSymbolType.OBJECT && s.SectionIndex == (uint)maps.Index).ToList();

        Assert.Equal(["legacy_array", "legacy_hash"], definitions.Select(s => s.Name).Order());
        Assert.All(definitions, s => Assert.Equal(20ul, s.Size));
        Assert.Equal(40ul, maps.Size);
    }

    [Fact]
    public void SymbolIndexOutOfRangeIsAnArgumentError()
    {
        var symbols = Fixtures.Elf("maps.bpf.o").SymbolTable!;

        Assert.Throws<ArgumentOutOfRangeException>(() => symbols[symbols.Count]);
        Assert.Throws<ArgumentOutOfRangeException>(() => symbols[-1]);
    }

    [Fact]
    public void RelocationsOfANonRelocationSectionIsAnArgumentError()
    {
        var elf = Fixtures.Elf("maps.bpf.o");

        Assert.Throws<ArgumentException>(() => elf.GetRelocations(elf.FindSection(".maps")!));
        Assert.Throws<ArgumentException>(() => elf.GetSymbolTable(elf.FindSection(".maps")!));
    }
}
