using System.Buffers.Binary;
using ManagedBpf.Loader.Elf;

namespace ManagedBpf.Loader.Tests;

public sealed class ElfMalformedTests
{
    private static byte[] Maps() => Fixtures.Bytes("maps.bpf.o");

    [Fact]
    public void EmptyAndTinyInputsAreTooShort()
    {
        Assertions.ThrowsFormat(() => ElfFile.Parse(Array.Empty<byte>()), "too short for an ELF identification", null, 0);
        Assertions.ThrowsFormat(() => ElfFile.Parse(Maps().AsMemory(0, 40)), "too short for an ELF64 header", null, 0);
    }

    [Fact]
    public void EveryTruncationIsAFormatError()
    {
        var image = Maps();
        for (var length = 0; length < image.Length; length++)
        {
            var prefix = image.AsMemory(0, length);
            try
            {
                ObjectWalker.ReadEverything(prefix.ToArray());
                Assert.Fail($"a {length}-byte prefix parsed");
            }
            catch (BpfObjectFormatException)
            {
            }
        }
    }

    [Fact]
    public void BadMagicIsNotElf()
    {
        var image = Maps();
        image[1] = (byte)'X';

        Assertions.ThrowsFormat(() => ElfFile.Parse(image), "not an ELF file", null, 0);
    }

    [Fact]
    public void ThirtyTwoBitElfIsRejectedClearly()
    {
        var image = Maps();
        image[4] = 1; // ELFCLASS32

        Assertions.ThrowsFormat(() => ElfFile.Parse(image), "32-bit ELF (ELFCLASS32) is not supported", null, 4);
    }

    [Fact]
    public void BigEndianObjectsAreRejectedNamingBpfeb()
    {
        var image = Maps();
        image[5] = 2; // ELFDATA2MSB, what clang -target bpfeb writes

        var ex = Assertions.ThrowsFormat(() => ElfFile.Parse(image), "big-endian ELF (ELFDATA2MSB) is not supported", null, 5);
        Assert.Contains("bpfeb", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4, 3, "invalid ELF class 3")]
    [InlineData(5, 0, "invalid ELF data encoding 0")]
    [InlineData(6, 2, "unsupported ELF identification version 2")]
    public void BadIdentificationBytesAreNamed(int offset, byte value, string message)
    {
        var image = Maps();
        image[offset] = value;

        Assertions.ThrowsFormat(() => ElfFile.Parse(image), message, null, offset);
    }

    [Fact]
    public void BadVersionIsRejected()
    {
        var image = Maps();
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(20), 7);

        Assertions.ThrowsFormat(() => ElfFile.Parse(image), "unsupported e_version 7", null, 20);
    }

    [Fact]
    public void SectionHeaderTablePastTheEndIsRejected()
    {
        var image = Maps();
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(40), ulong.MaxValue - 8);

        Assertions.ThrowsFormat(() => ElfFile.Parse(image), "section header table at e_shoff 0xfffffffffffffff7 is outside", null, 40);
    }

    [Fact]
    public void HugeSectionCountsAreRejectedBeforeAllocating()
    {
        var image = Maps();
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(60), 0xfff0);

        Assertions.ThrowsFormat(() => ElfFile.Parse(image), "section header table (65520 entries", null, 40);
    }

    [Fact]
    public void ExtendedCountThatLiesIsRejected()
    {
        var image = Maps();
        var shoff = BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan(40));
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(60), 0);                      // e_shnum = 0: count in section 0
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan((int)shoff + 32), 1ul << 40); // sh_size of section 0

        Assertions.ThrowsFormat(() => ElfFile.Parse(image), "does not fit in the file", null, 40);
    }

    [Fact]
    public void WrongSectionHeaderSizeIsRejected()
    {
        var image = Maps();
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(58), 40);

        Assertions.ThrowsFormat(() => ElfFile.Parse(image), "e_shentsize is 40", null, 58);
    }

    [Fact]
    public void SectionContentsPastTheEndNameTheSection()
    {
        var image = Maps();
        var shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan(40));
        var elf = ElfFile.Parse(image);
        var btf = elf.FindSection(".BTF")!;
        var field = shoff + (btf.Index * 64) + 32; // sh_size
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(field), (ulong)image.Length);

        Assertions.ThrowsFormat(() => ElfFile.Parse(image), $"section [{btf.Index}] contents", null, shoff + (btf.Index * 64) + 24);
    }

    [Fact]
    public void SectionNameStringIndexOutOfRange()
    {
        var image = Maps();
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(62), 200);

        Assertions.ThrowsFormat(() => ElfFile.Parse(image), "e_shstrndx 200", null, 62);
    }

    [Fact]
    public void SectionNameStringTableOfTheWrongType()
    {
        var image = Maps();
        var elf = ElfFile.Parse(image);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(62), (ushort)elf.FindSection(".maps")!.Index);

        Assertions.ThrowsFormat(() => ElfFile.Parse(image), "not a string table", null, 62);
    }

    [Fact]
    public void SectionNameOffsetOutOfRangeNamesTheNameTable()
    {
        var image = Maps();
        var shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan(40));
        var shstrndx = BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(62));
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(shoff + 64), 0x7fff0000); // sh_name of section 1

        Assertions.ThrowsFormat(() => ElfFile.Parse(image), "run past the end", $"section [{shstrndx}] (section names)", 0x7fff0000);
    }

    [Fact]
    public void SymbolTableWithTheWrongEntrySizeNamesTheSection()
    {
        var image = Maps();
        var symtab = ElfFile.Parse(image).FindSection(".symtab")!;
        var shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan(40));
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(shoff + (symtab.Index * 64) + 56), 16);
        var elf = ElfFile.Parse(image);

        Assertions.ThrowsFormat(() => _ = elf.SymbolTable, "has sh_entsize 16, expected 24", ".symtab", 0);
    }

    [Fact]
    public void SymbolTableLinkedToANonStringTable()
    {
        var image = Maps();
        var elf0 = ElfFile.Parse(image);
        var symtab = elf0.FindSection(".symtab")!;
        var shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan(40));
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(shoff + (symtab.Index * 64) + 40), (uint)elf0.FindSection(".maps")!.Index);
        var elf = ElfFile.Parse(image);

        Assertions.ThrowsFormat(() => _ = elf.SymbolTable, "does not name a string table", ".symtab", 0);
    }

    [Fact]
    public void SymbolNameOffsetOutOfRangeNamesTheStringTable()
    {
        var image = Maps();
        var symtab = ElfFile.Parse(image).FindSection(".symtab")!;
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan((int)symtab.Offset + 24), 0xffffff);
        var symbols = ElfFile.Parse(image).SymbolTable!;

        Assertions.ThrowsFormat(() => _ = symbols[1], "run past the end", ".strtab", 0xffffff);
    }

    [Fact]
    public void RelocationAgainstAMissingSymbolNamesTheRelocationSection()
    {
        var image = Maps();
        var rel = ElfFile.Parse(image).FindSection(".relxdp")!;
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan((int)rel.Offset + 16 + 12), 5000); // symbol index of relocation 1
        var elf = ElfFile.Parse(image);

        Assertions.ThrowsFormat(() => elf.GetRelocations(elf.FindSection(".relxdp")!), "relocation 1 refers to symbol 5000", ".relxdp", 24);
    }

    [Fact]
    public void RelocationSectionSizeMustBeAMultipleOfTheEntrySize()
    {
        var image = Maps();
        var rel = ElfFile.Parse(image).FindSection(".relxdp")!;
        var shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan(40));
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(shoff + (rel.Index * 64) + 32), rel.Size - 3);
        var elf = ElfFile.Parse(image);

        Assertions.ThrowsFormat(() => elf.GetRelocations(elf.FindSection(".relxdp")!), "is not a multiple of its entry size 16", ".relxdp", 0);
    }

    [Fact]
    public void ProgramHeaderTablePastTheEnd()
    {
        var image = Maps();
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(56), 3);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(54), 56);
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(32), (ulong)image.Length - 10);

        Assertions.ThrowsFormat(() => ElfFile.Parse(image), "program header table (3 entries", null, 32);
    }
}
