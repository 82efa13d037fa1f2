using System.Text;
using ManagedBpf.Loader.Elf;
using ManagedBpf.Loader.Tests;

namespace ManagedBpf.Tests.Shared;

/// <summary>
/// The smallest BPF object clang could have written for a few programs: each a global function
/// <c>r0 = 0; exit</c> in the code section its SEC() named, a GPL license, a symbol table, no BTF and no maps.
/// One source, linked into each test project that needs it; it builds on the Loader tests' <see cref="TestElfBuilder"/>.
/// </summary>
internal static class ProgramObjectImage
{
    private static readonly byte[] ReturnZero = [0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0];

    /// <summary>An object with one program per (section, function) pair; functions sharing a section follow one another in it.</summary>
    internal static byte[] Build(params (string Section, string Function)[] programs)
    {
        var builder = new TestElfBuilder();
        var sections = new Dictionary<string, int>();
        foreach (var group in programs.GroupBy(p => p.Section))
        {
            var code = group.SelectMany(_ => ReturnZero).ToArray();
            sections[group.Key] = builder.AddSection(group.Key, ElfSectionType.PROGBITS, code, flags: ElfSectionFlags.ALLOC | ElfSectionFlags.EXECINSTR);
        }
        builder.AddSection("license", ElfSectionType.PROGBITS, Encoding.ASCII.GetBytes("GPL\0"), flags: ElfSectionFlags.ALLOC | ElfSectionFlags.WRITE);
        var (strings, names) = TestElfBuilder.StringTable([.. programs.Select(p => p.Function)]);
        var strtab = builder.AddSection(".strtab", ElfSectionType.STRTAB, strings);
        var offsets = new Dictionary<string, ulong>();
        var symbols = programs.Select((p, i) =>
        {
            var offset = offsets.GetValueOrDefault(p.Section);
            offsets[p.Section] = offset + (ulong)ReturnZero.Length;
            return (names[i], ElfSymbolType.FUNC, ElfSymbolBinding.GLOBAL, (ushort)sections[p.Section], offset, (ulong)ReturnZero.Length);
        });
        builder.AddSection(".symtab", ElfSectionType.SYMTAB, TestElfBuilder.Symbols([default, .. symbols]), link: (uint)strtab, info: 1, entSize: 24);
        return builder.Build();
    }

    /// <summary>Writes <see cref="Build"/>'s image to a new temporary file and returns its path.</summary>
    internal static string Write(params (string Section, string Function)[] programs)
    {
        var path = Path.Combine(Path.GetTempPath(), $"mbpf-test-{Guid.NewGuid():N}.bpf.o");
        File.WriteAllBytes(path, Build(programs));
        return path;
    }
}
