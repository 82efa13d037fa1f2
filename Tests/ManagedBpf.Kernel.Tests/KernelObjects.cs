using ManagedBpf.Kernel.Abi;

namespace ManagedBpf.Kernel.Tests;

/// <summary>Creates kernel objects straight through the syscall layer, for tests of that layer alone.</summary>
internal static class KernelObjects
{
    internal static SafeFdHandle CreateMap(BpfMapType type, uint keySize, uint valueSize, uint maxEntries, uint flags = 0)
    {
        var attr = new MapCreateAttr { map_type = (uint)type, key_size = keySize, value_size = valueSize, max_entries = maxEntries, map_flags = flags };
        return Bpf.MapCreate(ref attr, $"test {type}");
    }
}
