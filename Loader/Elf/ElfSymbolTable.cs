using System.Collections;
using System.Text;

namespace ManagedBpf.Loader.Elf;

/// <summary>
/// A symbol table section (<c>.symtab</c> or <c>.dynsym</c>) with its string table. Entries are decoded on
/// access, so a large shared library's table costs nothing until symbols are read; <see cref="TryFind"/>
/// compares names as UTF-8 bytes without allocating.
/// </summary>
public sealed class ElfSymbolTable : IReadOnlyList<ElfSymbol>
{
    private readonly ReadOnlyMemory<byte> _entries;
    private readonly ReadOnlyMemory<byte> _strings;
    private readonly ReadOnlyMemory<byte> _extendedIndices;

    internal ElfSymbolTable(ElfSection section, ElfSection stringTable, ReadOnlyMemory<byte> entries, ReadOnlyMemory<byte> strings, ReadOnlyMemory<byte> extendedIndices)
    {
        Section = section;
        StringTable = stringTable;
        _entries = entries;
        _strings = strings;
        _extendedIndices = extendedIndices;
        Count = entries.Length / ElfLayout.SymSize;
    }

    /// <summary>The symbol table section.</summary>
    public ElfSection Section { get; }

    /// <summary>The string table the symbol names point into (<c>sh_link</c> of <see cref="Section"/>).</summary>
    public ElfSection StringTable { get; }

    /// <summary>The number of entries, including the null symbol at index 0.</summary>
    public int Count { get; }

    /// <summary>Decodes the symbol at <paramref name="index"/>.</summary>
    /// <param name="index">The symbol index, as used by relocations.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in <c>[0, Count)</c>.</exception>
    /// <exception cref="BpfObjectFormatException">The symbol's name or extended section index is out of bounds.</exception>
    public ElfSymbol this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            return Decode(index, NameBytes(index));
        }
    }

    /// <summary>Finds the first symbol called <paramref name="name"/>, preferring a defined symbol over an undefined one.</summary>
    /// <param name="name">The exact symbol name.</param>
    /// <param name="symbol">The symbol found.</param>
    /// <returns>True when a symbol with that name exists.</returns>
    public bool TryFind(string name, out ElfSymbol symbol)
    {
        ArgumentNullException.ThrowIfNull(name);
        var wanted = Encoding.UTF8.GetBytes(name);
        var undefined = -1;
        for (var i = 1; i < Count; i++)
        {
            if (!NameBytes(i).SequenceEqual(wanted))
            {
                continue;
            }

            if (Block.U16((ulong)i * ElfLayout.SymSize + 6) != ElfSectionIndex.UNDEF)
            {
                symbol = this[i];
                return true;
            }

            if (undefined < 0)
            {
                undefined = i;
            }
        }

        symbol = undefined >= 0 ? this[undefined] : default;
        return undefined >= 0;
    }

    /// <inheritdoc/>
    public IEnumerator<ElfSymbol> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private BinaryBlock Block => new(_entries.Span, Section.Name);

    private ReadOnlySpan<byte> NameBytes(int index)
    {
        var nameOffset = Block.U32((ulong)index * ElfLayout.SymSize);
        return nameOffset == 0 ? default : new BinaryBlock(_strings.Span, StringTable.Name).CString(nameOffset);
    }

    private ElfSymbol Decode(int index, ReadOnlySpan<byte> name)
    {
        var block = Block;
        var at = (ulong)index * ElfLayout.SymSize;
        var shndx = block.U16(at + 6);
        uint sectionIndex = shndx;
        if (shndx == ElfSectionIndex.XINDEX)
        {
            if (_extendedIndices.IsEmpty)
            {
                block.Fail($"symbol {index} uses SHN_XINDEX but there is no SHT_SYMTAB_SHNDX section", at + 6);
            }

            sectionIndex = new BinaryBlock(_extendedIndices.Span, Section.Name + " (SHT_SYMTAB_SHNDX)").U32((ulong)index * 4);
        }

        return new ElfSymbol(
            index,
            name.IsEmpty ? string.Empty : Encoding.UTF8.GetString(name),
            info: block.U8(at + 4),
            other: block.U8(at + 5),
            shndx,
            sectionIndex,
            value: block.U64(at + 8),
            size: block.U64(at + 16));
    }
}
