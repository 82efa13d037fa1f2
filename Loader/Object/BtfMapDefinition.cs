using ManagedBpf.Kernel;
using ManagedBpf.Loader.Btf;
using ManagedBpf.Maps;

namespace ManagedBpf.Loader;

/// <summary>
/// Reads a BTF-defined map (a variable of <c>.maps</c>) as libbpf does: each member of the definition
/// struct encodes one attribute in its type. <c>__uint(name, n)</c> is <c>int (*name)[n]</c> (the value
/// is the array length), <c>__type(name, T)</c> is <c>T *name</c> (the type, whose size is the key or
/// value size), and <c>__array(values, …)</c> is an array of pointers to the inner map's definition.
/// </summary>
internal static class BtfMapDefinition
{
    /// <summary>
    /// Parses the definition struct <paramref name="structId"/> of map <paramref name="name"/>; sets
    /// <paramref name="valuesOffset"/> to the byte offset of its <c>values</c> member, whose relocations give initial entries.
    /// </summary>
    internal static MapSpec Read(BtfSpec btf, uint structId, string name, out ulong? valuesOffset, int depth = 0)
    {
        valuesOffset = null;
        var resolved = btf.SkipModifiers(structId);
        if (btf.TypeById(resolved) is not BtfStruct definition)
            throw Error(name, $"its definition is a {btf.KindOf(resolved)}, not a struct");
        var spec = new MapSpec { Name = name };
        foreach (var member in definition.Members)
        {
            var field = btf.GetString(member.NameOff);
            switch (field)
            {
                case "type":
                    spec = spec with { Type = (BpfMapType)Number(btf, member, name, field) };
                    break;
                case "max_entries":
                    spec = spec with { MaxEntries = Number(btf, member, name, field) };
                    break;
                case "map_flags":
                    spec = spec with { Flags = (MapFlags)Number(btf, member, name, field) };
                    break;
                case "numa_node":
                    spec = spec with { NumaNode = Number(btf, member, name, field) };
                    break;
                case "map_extra":
                    spec = spec with { MapExtra = Number(btf, member, name, field) };
                    break;
                case "pinning":
                    var pinning = Number(btf, member, name, field);
                    spec = spec with { Pinning = pinning <= 1 ? (MapPinning)pinning : throw Error(name, $"pinning {pinning} is not LIBBPF_PIN_NONE or LIBBPF_PIN_BY_NAME") };
                    break;
                case "key_size":
                    spec = spec with { KeySize = Number(btf, member, name, field) };
                    break;
                case "value_size":
                    spec = spec with { ValueSize = Number(btf, member, name, field) };
                    break;
                case "key":
                    var key = Pointee(btf, member, name, field);
                    spec = spec with { KeySize = Size(btf, key, name, field), BtfKeyTypeId = key };
                    break;
                case "value":
                    var value = Pointee(btf, member, name, field);
                    spec = spec with { ValueSize = Size(btf, value, name, field), BtfValueTypeId = value };
                    break;
                case "values":
                    valuesOffset = member.BitOffset / 8;
                    spec = ReadValues(btf, member, spec, depth);
                    break;
                default:
                    throw Error(name, $"unknown attribute '{field}'");
            }
        }
        return ObjectMapRules.RoundRingBuffer(spec);
    }

    /// <summary><c>values</c>: for map-in-map, the pointee is the inner map's definition; for a program array, a function prototype.</summary>
    private static MapSpec ReadValues(BtfSpec btf, BtfMember member, MapSpec spec, int depth)
    {
        if (btf.TypeById(btf.SkipModifiers(member.TypeId)) is not BtfArray array || btf.TypeById(btf.SkipModifiers(array.TypeId)) is not BtfPtr pointer)
            throw Error(spec.Name, "'values' must be an array of pointers");
        var pointee = btf.SkipModifiers(pointer.TypeId);
        switch (btf.KindOf(pointee))
        {
            case BtfKind.STRUCT when spec.Type is BpfMapType.ARRAY_OF_MAPS or BpfMapType.HASH_OF_MAPS:
                if (depth > 0)
                    throw Error(spec.Name, "an inner map cannot itself hold maps");
                var inner = Read(btf, pointee, spec.Name + ".inner", out _, depth + 1);
                return spec with { InnerMap = inner, ValueSize = spec.ValueSize == 0 ? 4 : spec.ValueSize, KeySize = spec.KeySize == 0 ? 4 : spec.KeySize };
            case BtfKind.FUNC_PROTO when spec.Type == BpfMapType.PROG_ARRAY:
                return spec with { ValueSize = spec.ValueSize == 0 ? 4 : spec.ValueSize, KeySize = spec.KeySize == 0 ? 4 : spec.KeySize };
            default:
                throw Error(spec.Name, $"'values' of a {spec.Type} map must point at {(spec.Type == BpfMapType.PROG_ARRAY ? "a function prototype" : "an inner map definition")}");
        }
    }

    private static uint Number(BtfSpec btf, BtfMember member, string name, string field) =>
        btf.TypeById(btf.SkipModifiers(member.TypeId)) is BtfPtr pointer && btf.TypeById(btf.SkipModifiers(pointer.TypeId)) is BtfArray array
            ? array.Nelems
            : throw Error(name, $"'{field}' must be declared with __uint()");

    private static uint Pointee(BtfSpec btf, BtfMember member, string name, string field) =>
        btf.TypeById(btf.SkipModifiers(member.TypeId)) is BtfPtr pointer
            ? pointer.TypeId
            : throw Error(name, $"'{field}' must be declared with __type()");

    private static uint Size(BtfSpec btf, uint type, string name, string field) =>
        btf.TryGetSize(type, out var size) ? size : throw Error(name, $"the size of '{field}' cannot be computed");

    private static BpfObjectFormatException Error(string map, string problem) =>
        new($"map '{map}': {problem}", ".maps", null);
}
