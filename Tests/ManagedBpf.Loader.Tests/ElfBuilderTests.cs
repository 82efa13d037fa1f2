using System.Buffers.Binary;
using ManagedBpf.Loader.Elf;

namespace ManagedBpf.Loader.Tests;

public sealed class ElfBuilderTests
{
    [Fact]
    public void SharedLibrarySymbolsTranslateToFileOffsetsThroughLoadSegments()
    {
        var (dynstr, names) = TestElfBuilder.StringTable("malloc", "free", "puts");
        var builder = new TestElfBuilder { Type = ElfType.DYN, Machine = ElfMachine.X86_64 };
        var text = builder.AddSection(".text", ElfSectionType.PROGBITS, new byte[0x100], flags: ElfSectionFlags.ALLOC | ElfSectionFlags.EXECINSTR, addr: 0x401000);
        var strtab = builder.AddSection(".dynstr", ElfSectionType.STRTAB, dynstr);
        builder.AddSection(".dynsym", ElfSectionType.DYNSYM, TestElfBuilder.Symbols(
            default,
            (names[0], ElfSymbolType.FUNC, ElfSymbolBinding.GLOBAL, (ushort)text, 0x401010, 32),
            (names[1], ElfSymbolType.FUNC, ElfSymbolBinding.WEAK, (ushort)text, 0x401040, 16),
            (names[2], ElfSymbolType.FUNC, ElfSymbolBinding.GLOBAL, ElfSectionIndex.UNDEF, 0, 0)), link: (uint)strtab, entSize: 24);
        builder.AddSegment(ElfSegmentType.LOAD, ElfSegmentFlags.R | ElfSegmentFlags.X, 0x1000, 0x401000, 0x200, 0x200);
        builder.AddSegment(ElfSegmentType.LOAD, ElfSegmentFlags.R | ElfSegmentFlags.W, 0x2000, 0x403000, 0x10, 0x1000);

        var elf = ElfFile.Parse(builder.Build());

        Assert.Equal(ElfType.DYN, elf.Header.Type);
        Assert.Null(elf.SymbolTable);
        var dynsym = elf.DynamicSymbolTable!;
        Assert.Equal(4, dynsym.Count);
        Assert.True(dynsym.TryFind("free", out var free));
        Assert.Equal((0x401040ul, 16ul, ElfSymbolBinding.WEAK), (free.Value, free.Size, free.Binding));
        Assert.True(dynsym.TryFind("puts", out var puts));
        Assert.True(puts.IsUndefined);
        Assert.Equal(2, elf.ProgramHeaders.Count);
        Assert.Equal(0x401000ul, elf.ProgramHeaders[0].VAddr);
        Assert.True(elf.TryGetFileOffset(free.Value, out var offset));
        Assert.Equal(0x1040ul, offset);
        // Inside the second segment's memory but past its file bytes (bss): no file offset.
        Assert.False(elf.TryGetFileOffset(0x403800, out _));
        Assert.False(elf.TryGetFileOffset(0x10, out _));
    }

    [Fact]
    public void EnsureBpfRelocatableRejectsOtherMachinesAndLinkedFiles()
    {
        var x86 = ElfFile.Parse(new TestElfBuilder { Machine = ElfMachine.X86_64 }.Build());
        var linked = ElfFile.Parse(new TestElfBuilder { Type = ElfType.EXEC }.Build());

        var machine = Assert.Throws<BpfObjectFormatException>(x86.EnsureBpfRelocatable);
        Assert.Contains("EM_BPF", machine.Message, StringComparison.Ordinal);
        Assert.Contains("X86_64", machine.Message, StringComparison.Ordinal);
        Assert.Equal(18, machine.Offset);
        var type = Assert.Throws<BpfObjectFormatException>(linked.EnsureBpfRelocatable);
        Assert.Contains("ET_REL", type.Message, StringComparison.Ordinal);
        Assert.Equal(16, type.Offset);
    }

    [Fact]
    public void ExtendedSectionNumberingIsResolvedFromSectionZero()
    {
        var builder = new TestElfBuilder { ExtendedNumbering = true };
        builder.AddSection("prog", ElfSectionType.PROGBITS, new byte[16]);

        var elf = ElfFile.Parse(builder.Build());

        Assert.Equal(3, elf.Header.ShNum);
        Assert.Equal(2, elf.Header.ShStrNdx);
        Assert.Equal("prog", elf.Sections[1].Name);
        Assert.Equal(".shstrtab", elf.Sections[2].Name);
    }

    [Fact]
    public void ExtendedSymbolSectionIndicesComeFromSymtabShndx()
    {
        var (strtab, names) = TestElfBuilder.StringTable("far");
        var builder = new TestElfBuilder();
        var str = builder.AddSection(".strtab", ElfSectionType.STRTAB, strtab);
        var symtab = builder.AddSection(".symtab", ElfSectionType.SYMTAB, TestElfBuilder.Symbols(
            default,
            (names[0], ElfSymbolType.OBJECT, ElfSymbolBinding.GLOBAL, ElfSectionIndex.XINDEX, 8, 4)), link: (uint)str, entSize: 24);
        var shndx = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(shndx.AsSpan(4), 70000);
        builder.AddSection(".symtab_shndx", ElfSectionType.SYMTAB_SHNDX, shndx, link: (uint)symtab, entSize: 4);

        var symbol = ElfFile.Parse(builder.Build()).SymbolTable![1];

        Assert.Equal(ElfSectionIndex.XINDEX, symbol.Shndx);
        Assert.Equal(70000u, symbol.SectionIndex);
        Assert.Equal("far", symbol.Name);
    }

    [Fact]
    public void RelaSectionsCarryAddends()
    {
        var (strtab, names) = TestElfBuilder.StringTable("target");
        var builder = new TestElfBuilder { Machine = ElfMachine.X86_64 };
        var text = builder.AddSection(".text", ElfSectionType.PROGBITS, new byte[32]);
        var str = builder.AddSection(".strtab", ElfSectionType.STRTAB, strtab);
        var symtab = builder.AddSection(".symtab", ElfSectionType.SYMTAB, TestElfBuilder.Symbols(
            default, (names[0], ElfSymbolType.FUNC, ElfSymbolBinding.GLOBAL, (ushort)text, 0, 8)), link: (uint)str, entSize: 24);
        var rela = new byte[24];
        BinaryPrimitives.WriteUInt64LittleEndian(rela, 4);
        BinaryPrimitives.WriteUInt64LittleEndian(rela.AsSpan(8), (1ul << 32) | 2);
        BinaryPrimitives.WriteInt64LittleEndian(rela.AsSpan(16), -4);
        builder.AddSection(".rela.text", ElfSectionType.RELA, rela, link: (uint)symtab, info: (uint)text, entSize: 24);
        var elf = ElfFile.Parse(builder.Build());

        var relocation = Assert.Single(elf.GetRelocations(elf.FindSection(".rela.text")!));

        Assert.Equal(new ElfRelocation(4, 1, 2, -4), relocation);
    }

    [Fact]
    public void AFileWithoutSectionsHasNone()
    {
        var image = new TestElfBuilder().Build();
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(40), 0); // e_shoff
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(60), 0); // e_shnum
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(62), 0); // e_shstrndx

        var elf = ElfFile.Parse(image);

        Assert.Empty(elf.Sections);
        Assert.Null(elf.FindSection(".BTF"));
        Assert.Null(elf.SymbolTable);
    }
}
