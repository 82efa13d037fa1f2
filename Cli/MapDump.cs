using ManagedBpf.Kernel;
using ManagedBpf.Loader;
using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Cli;

/// <summary>
/// What <c>mbpf run</c> prints when it stops for an object that streams nothing (libbpf-tools' histogram and summary
/// tools: biolatency, runqlat, syscount…): the entries of every map its programs fill, decoded with the object's BTF,
/// as the tools' own user space reads them at the end. Configuration (<c>.rodata</c>, <c>.kconfig</c>), maps of
/// descriptors and maps without keys to walk are left out; array slots that hold only zeros are too, since an array
/// always has every slot.
/// </summary>
internal static class MapDump
{
    internal static void Print(Collection collection, RecordPrinter printer)
    {
        var btf = collection.Spec.Btf;
        foreach (var objectMap in collection.Spec.Maps.Where(IsData))
        {
            var map = collection.Map(objectMap.Name);
            var spec = objectMap.Spec;
            var keyType = Writer(btf, spec.BtfKeyTypeId);
            // (for data sections the value type is the DATASEC: its variables are written one by one below)
            var valueType = Writer(btf, spec.BtfValueTypeId);
            var stride = map.IsPerCpu ? (int)((spec.ValueSize + 7) & ~7u) : 0;
            var isArray = spec.Type is BpfMapType.ARRAY or BpfMapType.PERCPU_ARRAY;
            if (objectMap.Source == ObjectMapSource.Data)
            {
                // One slot, whose value is the section's variables.
                var section = collection.Spec.DataSections.First(d => d.Map == objectMap);
                var value = new byte[map.ValueBufferSize];
                if (section.Variables.Count > 0 && map.TryLookup(new byte[4], value))
                    printer.Variables(objectMap.Name, [.. section.Variables.Select(v => (v.Name, (int)v.Offset, (int)v.Size, Writer(btf, v.BtfTypeId)))], value);
                continue;
            }

            foreach (var (key, value) in map.Entries())
            {
                if (isArray && !value.AsSpan().ContainsAnyExcept((byte)0))
                    continue;
                printer.Entry(objectMap.Name, key, keyType, value, valueType, stride);
            }
        }

        printer.Flush();
    }

    private static bool IsData(ObjectMap map) =>
        map.Source switch
        {
            ObjectMapSource.Kconfig => false,
            ObjectMapSource.Data => !map.Spec.Flags.HasFlag(Maps.MapFlags.ReadOnlyProgram),
            _ => map.Spec.Type is BpfMapType.HASH or BpfMapType.ARRAY or BpfMapType.PERCPU_HASH or BpfMapType.PERCPU_ARRAY
                or BpfMapType.LRU_HASH or BpfMapType.LRU_PERCPU_HASH or BpfMapType.LPM_TRIE,
        };

    private static BtfValueWriter? Writer(BtfSpec? btf, uint typeId)
    {
        if (btf is null || typeId == 0)
            return null;
        try
        {
            return new BtfValueWriter(btf, typeId);
        }
        catch (ArgumentException)
        {
            return null; // a type with no JSON form (a function pointer, say): hex
        }
    }
}
