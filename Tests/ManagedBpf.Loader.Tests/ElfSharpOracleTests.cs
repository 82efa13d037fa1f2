using ManagedBpf.TestSupport;
using ELFSharp.ELF;
using ELFSharp.ELF.Sections;
using ManagedBpf.Loader.Elf;
using ManagedBpf.Loader.Tests.Corpus;

namespace ManagedBpf.Loader.Tests;

/// <summary>
/// ELFSharp as an independent oracle for the ELF reader: on every fixture and every compiled corpus object, the section
/// table and the symbol tables that <see cref="ElfFile"/> reads equal ELFSharp's, field by field, for every field
/// ELFSharp exposes. ELFSharp stays in the tests: it exposes no relocation entries and hides sh_link and sh_info (so
/// those, and the REL sections' contents, are checked elsewhere: ElfFixtureTests, ElfMalformedTests).
/// </summary>
public sealed class ElfSharpOracleTests
{
    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void Fixture_sections_and_symbols_equal_elfsharps(string name)
    {
        var differences = Compare(Fixtures.Bytes(name));
        Assert.True(differences.Count == 0, $"{name}:\n{string.Join('\n', differences)}");
    }

    [Fact]
    public void Corpus_sections_and_symbols_equal_elfsharps()
    {
        var objects = CorpusBuild.Objects.ToList();
        Assert.NotEmpty(objects);
        var differences = objects.SelectMany(o => Compare(File.ReadAllBytes(o.ObjectPath!)).Select(d => $"{o.Name}: {d}")).ToList();
        Assert.True(differences.Count == 0, $"{differences.Count} differences in {objects.Count} corpus objects:\n{string.Join('\n', differences.Take(50))}");
    }

    /// <summary>Every field where the two readers disagree, as "section [i] field: ours vs ELFSharp's".</summary>
    private static List<string> Compare(byte[] image)
    {
        var ours = ElfFile.Parse(image);
        using var theirs = ELFReader.Load<ulong>(new MemoryStream(image), shouldOwnStream: true);
        var differences = new List<string>();
        void Check<T>(string what, T mine, T other)
        {
            if (!EqualityComparer<T>.Default.Equals(mine, other))
                differences.Add($"{what}: {mine} vs ELFSharp's {other}");
        }

        Check("section count", ours.Sections.Count, theirs.Sections.Count);
        for (var i = 0; i < Math.Min(ours.Sections.Count, theirs.Sections.Count); i++)
        {
            var (mine, other) = (ours.Sections[i], theirs.Sections[i]);
            var at = $"section [{i}] {mine.Name}";
            Check($"{at} name", mine.Name, other.Name);
            Check($"{at} name offset", mine.NameOffset, other.NameIndex);
            Check($"{at} type", (uint)mine.Type, (uint)other.Type);
            Check($"{at} flags", (ulong)mine.Flags, other.RawFlags);
            Check($"{at} address", mine.Addr, other.LoadAddress);
            Check($"{at} offset", mine.Offset, other.Offset);
            Check($"{at} size", mine.Size, other.Size);
            Check($"{at} alignment", mine.AddrAlign, other.Alignment);
            Check($"{at} entry size", mine.EntSize, other.EntrySize);
            // sh_link and sh_info: ELFSharp reads them but exposes neither.
        }

        var theirTables = theirs.GetSections<SymbolTable<ulong>>().Where(t => t.Type == SectionType.SymbolTable).ToList();
        Check("symbol table count", ours.Sections.Count(s => s.Type == ElfSectionType.SYMTAB), theirTables.Count);
        // clang always writes a .symtab into a BPF object; a reader that lost it must not make the comparison vacuous.
        Check("has a symbol table", ours.SymbolTable is not null, true);
        if (ours.SymbolTable is { } symbols && theirTables.Count > 0)
        {
            var entries = theirTables[0].Entries.ToList();
            Check("symbol count", symbols.Count, entries.Count);
            for (var i = 0; i < Math.Min(symbols.Count, entries.Count); i++)
            {
                var (mine, other) = (symbols[i], entries[i]);
                var at = $"symbol [{i}] {mine.Name}";
                Check($"{at} name", mine.Name, other.Name);
                Check($"{at} value", mine.Value, other.Value);
                Check($"{at} size", mine.Size, other.Size);
                Check($"{at} binding", (int)mine.Binding, (int)other.Binding);
                Check($"{at} type", (int)mine.Type, (int)other.Type);
                Check($"{at} visibility", (int)mine.Visibility, (int)other.Visibility);
                // ELFSharp gives st_shndx as stored (SHN_XINDEX is not resolved through SHT_SYMTAB_SHNDX): compare the raw field.
                Check($"{at} section index", mine.Shndx, other.PointedSectionIndex);
            }
        }
        return differences;
    }
}
