using System.Collections.Immutable;
using ManagedBpf.Loader.Btf;
using ManagedBpf.Loader.Elf;

namespace ManagedBpf.Loader;

/// <summary>
/// Where a DATASEC variable really is: clang may leave a DATASEC's variable offsets (and size) zero, so
/// the ELF symbol's value wins when there is one, as in libbpf's btf_fixup_datasec.
/// </summary>
internal static class DatasecLayout
{
    internal static uint Offset(BtfSpec btf, ElfSymbolTable symbols, ElfSection section, BtfVarSecinfo variable) =>
        symbols.TryFind(btf.NameOf(variable.TypeId), out var symbol) && symbol.SectionIndex == section.Index
            ? (uint)symbol.Value
            : variable.Offset;

    /// <summary>The variables of <paramref name="datasec"/> at their real offsets (<see cref="Offset"/>), in offset order.</summary>
    internal static ImmutableArray<BtfVarSecinfo> Place(BtfSpec btf, ElfSymbolTable symbols, ElfSection section, BtfDatasec datasec) =>
        datasec.Vars.Select(v => v with { Offset = Offset(btf, symbols, section, v) }).OrderBy(v => v.Offset).ToImmutableArray();
}
