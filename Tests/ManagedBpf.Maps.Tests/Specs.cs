using ManagedBpf.Kernel;
using ManagedBpf.Maps;

namespace ManagedBpf.Maps.Tests;

/// <summary>Small map specs the tests share.</summary>
internal static class Specs
{
    internal static MapSpec Of(BpfMapType type, uint key, uint value, uint max, MapFlags flags = MapFlags.None, string? name = null) =>
        new() { Name = name ?? "t_" + type.ToString().ToLowerInvariant(), Type = type, KeySize = key, ValueSize = value, MaxEntries = max, Flags = flags };

    internal static byte[] U32(uint v) => BitConverter.GetBytes(v);

    internal static byte[] U64(ulong v) => BitConverter.GetBytes(v);
}
