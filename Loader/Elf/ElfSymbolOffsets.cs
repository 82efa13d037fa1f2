using System.Globalization;
using System.Reflection;
using System.Text;

namespace ManagedBpf.Loader.Elf;

/// <summary>
/// Finds the file offset of a function in an executable or shared library, the offset a uprobe takes, by
/// libbpf's rules (<c>elf_find_func_offset</c>): <c>.dynsym</c> first, then <c>.symtab</c> (a stripped binary
/// keeps only the first; a static one has only the second); <c>STT_FUNC</c> symbols only; a name may carry a
/// version (<c>malloc@@GLIBC_2.2.5</c> or <c>@GLIBC_2.2.5</c>), matched against <c>.gnu.version</c> and
/// <c>.gnu.version_d</c> for dynamic symbols and against the literal name in <c>.symtab</c>; several matches
/// at the same offset are one, a global one beats weak ones, two global ones at different offsets are
/// ambiguous. The offset is the symbol's address translated through the <c>PT_LOAD</c> segment that maps it
/// (<c>st_value - p_vaddr + p_offset</c>), or through its section when the file has no segments.
/// </summary>
public static class ElfSymbolOffsets
{
    /// <summary>A <c>.gnu.version</c> entry's bit for "hidden: only reachable by explicit version".</summary>
    private const ushort VersymHidden = 0x8000;

    /// <summary>Reads <paramref name="binaryPath"/> and finds <paramref name="name"/> in it.</summary>
    /// <param name="binaryPath">An ELF executable or shared library.</param>
    /// <param name="name">The function, optionally versioned (<c>name@VERSION</c> or <c>name@@VERSION</c>).</param>
    /// <returns>The function's offset in the file.</returns>
    /// <exception cref="KeyNotFoundException">No defined function by that name.</exception>
    /// <exception cref="AmbiguousMatchException">Two global functions by that name at different offsets.</exception>
    /// <exception cref="BpfObjectFormatException">The file is not a well-formed ELF64 file.</exception>
    public static ulong FindFunctionOffset(string binaryPath, string name)
    {
        ArgumentNullException.ThrowIfNull(binaryPath);
        return FindFunctionOffset(ElfFile.Parse(File.ReadAllBytes(binaryPath)), name, binaryPath);
    }

    /// <summary>Finds <paramref name="name"/> in a parsed file.</summary>
    /// <param name="elf">The parsed executable or shared library.</param>
    /// <param name="name">The function, optionally versioned (<c>name@VERSION</c> or <c>name@@VERSION</c>).</param>
    /// <param name="binaryPath">The file's path, for messages.</param>
    /// <returns>The function's offset in the file.</returns>
    /// <exception cref="KeyNotFoundException">No defined function by that name.</exception>
    /// <exception cref="AmbiguousMatchException">Two global functions by that name at different offsets.</exception>
    /// <exception cref="BpfObjectFormatException">A symbol or version table is malformed.</exception>
    public static ulong FindFunctionOffset(ElfFile elf, string name, string? binaryPath = null)
    {
        ArgumentNullException.ThrowIfNull(elf);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var where = binaryPath ?? "the binary";
        var at = name.IndexOf('@', StringComparison.Ordinal);
        var baseName = at < 0 ? name : name[..at];
        var version = at < 0 ? null : name[(at + (at + 1 < name.Length && name[at + 1] == '@' ? 2 : 1))..];
        var undefined = false;
        var ifunc = false;

        foreach (var table in new[] { elf.DynamicSymbolTable, elf.SymbolTable })
        {
            if (table is null)
            {
                continue;
            }

            var versions = table.Section.Type == ElfSectionType.DYNSYM ? new SymbolVersions(elf) : null;
            ulong? found = null;
            var foundWeak = false;
            for (var i = 1; i < table.Count; i++)
            {
                var symbol = table[i];
                if (!NameMatches(symbol.Name, baseName))
                {
                    continue;
                }

                if (symbol.Type == ElfSymbolType.GNU_IFUNC)
                {
                    ifunc = true;
                }

                if (symbol.Type != ElfSymbolType.FUNC)
                {
                    continue;
                }

                if (version is not null && !VersionMatches(symbol, i, name, version, versions))
                {
                    continue;
                }

                if (symbol.IsUndefined || symbol.Value == 0)
                {
                    undefined = true;
                    continue;
                }

                var offset = FileOffset(elf, symbol, where);
                var weak = symbol.Binding == ElfSymbolBinding.WEAK;
                if (found is { } previous)
                {
                    if (previous == offset)
                    {
                        continue; // an alias (or the versioned twin) of what was found
                    }

                    if (!foundWeak && !weak)
                    {
                        throw new AmbiguousMatchException(string.Create(CultureInfo.InvariantCulture,
                            $"'{name}' matches two global functions in {where}, at offsets 0x{previous:x} and 0x{offset:x} ('{symbol.Name}'): give a versioned name or the offset."));
                    }

                    if (weak)
                    {
                        continue; // a global definition already won
                    }
                }

                found = offset;
                foundWeak = weak;
            }

            if (found is { } result)
            {
                return result;
            }
        }

        var why = ifunc
            ? $"it is an IFUNC (STT_GNU_IFUNC), whose address is the resolver that picks an implementation at load time; probe the implementation instead (libbpf does not resolve IFUNCs either)"
            : undefined
                ? $"it is only imported there (undefined, address 0); probe the library that defines it"
                : $"neither .dynsym nor .symtab defines a function by that name";
        throw new KeyNotFoundException($"No function '{name}' to probe in {where}: {why}.");
    }

    /// <summary>libbpf's rule: the symbol's name starts with the wanted name and goes on with nothing or an '@' (versioned .symtab names).</summary>
    private static bool NameMatches(string symbolName, string baseName) =>
        symbolName.StartsWith(baseName, StringComparison.Ordinal) && (symbolName.Length == baseName.Length || symbolName[baseName.Length] == '@');

    /// <summary>Dynamic symbols carry their version in .gnu.version; .symtab names spell it out (<c>malloc@@GLIBC_2.2.5</c>).</summary>
    private static bool VersionMatches(ElfSymbol symbol, int index, string fullName, string version, SymbolVersions? versions) =>
        versions is null ? symbol.Name == fullName : versions.NameOf(index) == version;

    private static ulong FileOffset(ElfFile elf, ElfSymbol symbol, string where)
    {
        if (elf.TryGetFileOffset(symbol.Value, out var offset))
        {
            return offset;
        }

        // No segment maps it (a file without program headers): go through the symbol's section, as libbpf does.
        if (symbol.SectionIndex < (uint)elf.Sections.Count && elf.Sections[(int)symbol.SectionIndex] is { HasFileContents: true } section
            && symbol.Value >= section.Addr && symbol.Value - section.Addr < section.Size)
        {
            return symbol.Value - section.Addr + section.Offset;
        }

        throw new BpfObjectFormatException(string.Create(CultureInfo.InvariantCulture,
            $"'{symbol.Name}' in {where} has address 0x{symbol.Value:x}, which no loadable segment or section maps to file contents."));
    }

    /// <summary>The version names of dynamic symbols: <c>.gnu.version</c> (one u16 per symbol) indexing <c>.gnu.version_d</c>'s definitions.</summary>
    private sealed class SymbolVersions
    {
        private readonly ReadOnlyMemory<byte> _versym;
        private readonly Dictionary<int, string> _definitions = [];

        internal SymbolVersions(ElfFile elf)
        {
            foreach (var section in elf.Sections)
            {
                if (section.Type == ElfSectionType.GNU_VERSYM)
                {
                    _versym = elf.GetSectionData(section);
                }
                else if (section.Type == ElfSectionType.GNU_VERDEF && section.Link < (uint)elf.Sections.Count)
                {
                    ReadDefinitions(elf.GetSectionData(section).Span, elf.GetSectionData(elf.Sections[(int)section.Link]).Span, section.Name, section.Info);
                }
            }
        }

        /// <summary>The version symbol <paramref name="index"/> is defined with, or null (unversioned, or the file defines no versions).</summary>
        internal string? NameOf(int index)
        {
            if (_versym.IsEmpty)
            {
                return null;
            }

            var entry = new BinaryBlock(_versym.Span, ".gnu.version").U16((ulong)index * 2);
            return _definitions.GetValueOrDefault(entry & ~VersymHidden);
        }

        /// <summary>
        /// Walks the Elf64_Verdef chain (<c>u16 vd_version, vd_flags, vd_ndx, vd_cnt; u32 vd_hash, vd_aux, vd_next</c>);
        /// each definition's first Elf64_Verdaux (<c>u32 vda_name, vda_next</c>) names it.
        /// </summary>
        private void ReadDefinitions(ReadOnlySpan<byte> verdef, ReadOnlySpan<byte> strings, string sectionName, uint count)
        {
            var block = new BinaryBlock(verdef, sectionName);
            var names = new BinaryBlock(strings, sectionName + " strings");
            ulong at = 0;
            // sh_info holds the number of definitions; it also bounds the walk against a looping vd_next.
            for (var n = 0u; n < count; n++)
            {
                var index = block.U16(at + 4);
                var aux = block.U32(at + 12);
                var next = block.U32(at + 16);
                _definitions[index] = Encoding.UTF8.GetString(names.CString(block.U32(at + aux)));
                if (next == 0)
                {
                    break;
                }

                at += next;
            }
        }
    }
}
