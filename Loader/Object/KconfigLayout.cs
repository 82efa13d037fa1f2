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

    /// <summary>Integers, enums and pointers align to their size (at most 8); char arrays to 1.</summary>
    private static uint Alignment(BtfSpec btf, uint type, uint size) =>
        btf.TypeById(btf.SkipModifiers(type)) is BtfArray ? 1 : Math.Clamp(size, 1, 8);
}
