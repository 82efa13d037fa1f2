using ManagedBpf.Loader.Btf;
using ManagedBpf.Loader.Elf;

namespace ManagedBpf.Loader;

/// <summary>
/// Lays <c>__kconfig</c> externs out in their map as libbpf does (clang leaves their offsets to the
/// loader): by alignment descending, then size ascending, then name, each at the next aligned offset.
/// </summary>
internal static class KconfigLayout
{
    internal static List<KconfigExtern> Build(BtfSpec btf, BtfDatasec datasec, ElfSymbolTable symbols)
    {
        var externs = datasec.Vars.Select(v =>
        {
            var name = btf.NameOf(v.TypeId);
            var type = btf.TypeById(v.TypeId) is BtfVar var ? var.TypeId : 0;
            var size = btf.TryGetSize(type, out var s) ? s : throw new BpfObjectFormatException($"kconfig extern '{name}' has no size.", ".BTF", null);
            var weak = symbols.TryFind(name, out var symbol) && symbol.Binding == ElfSymbolBinding.WEAK;
            return (Name: name, Type: type, Size: size, Align: Alignment(btf, type, size), Weak: weak);
        })
        .OrderByDescending(e => e.Align).ThenBy(e => e.Size).ThenBy(e => e.Name, StringComparer.Ordinal)
        .ToList();

        var result = new List<KconfigExtern>(externs.Count);
        uint offset = 0;
        foreach (var e in externs)
        {
            offset = (offset + e.Align - 1) / e.Align * e.Align;
            result.Add(new KconfigExtern(e.Name, offset, e.Size, e.Type, e.Weak));
            offset += e.Size;
        }
        return result;
    }

    /// <summary>The kconfig map's value size (and its DATASEC's size): the laid-out externs, rounded up to 8, at least 8.</summary>
    internal static uint Size(IReadOnlyList<KconfigExtern> externs)
    {
        var end = externs.Select(e => e.Offset + e.Size).DefaultIfEmpty(0u).Max();
        return Math.Max((end + 7) & ~7u, 8);
    }

    /// <summary>Integers, enums and pointers align to their size (at most 8); char arrays to 1.</summary>
    private static uint Alignment(BtfSpec btf, uint type, uint size) =>
        btf.TypeById(btf.SkipModifiers(type)) is BtfArray ? 1 : Math.Clamp(size, 1, 8);
}
