using System.Buffers.Binary;
using ManagedBpf.Kernel;
using ManagedBpf.Maps;

namespace ManagedBpf.Buffers.Tests.Support;

/// <summary>Maps the kernel tests create, and counts of what this process holds.</summary>
internal static class KernelObjects
{
    private static int _serial;

    /// <summary>A map name no other test uses (metrics are told apart by it).</summary>
    internal static string UniqueName(string prefix) => $"{prefix}{Interlocked.Increment(ref _serial)}";

    internal static Map RingBuffer(ulong size, string prefix = "rb") => Map.Create(MapSpec.RingBuffer(UniqueName(prefix), size));

    internal static Map UserRingBuffer(ulong size, string prefix = "urb") => Map.Create(MapSpec.UserRingBuffer(UniqueName(prefix), size));

    internal static Map PerfEventArray(string prefix = "perf", uint maxEntries = 0) => Map.Create(MapSpec.PerfEventArray(UniqueName(prefix), maxEntries));

    /// <summary>A one-entry array whose value is <paramref name="valueSize"/> bytes.</summary>
    internal static Map Array(uint valueSize, string prefix = "arr") =>
        Map.Create(new MapSpec { Name = UniqueName(prefix), Type = BpfMapType.ARRAY, KeySize = 4, ValueSize = valueSize, MaxEntries = 1 });

    /// <summary>Entry 0 of a one-entry array.</summary>
    internal static byte[] Value(this Map array)
    {
        var value = new byte[array.ValueSize];
        Assert.True(array.TryLookup(new byte[4], value));
        return value;
    }

    /// <summary>A record of <paramref name="size"/> bytes: the sequence number, then bytes derived from it.</summary>
    internal static byte[] Record(ulong seq, int size)
    {
        var record = new byte[size];
        BinaryPrimitives.WriteUInt64LittleEndian(record, seq);
        for (var i = 8; i < size; i++)
            record[i] = (byte)(seq * 31 + (ulong)i);
        return record;
    }

    /// <summary>Lines of /proc/self/maps whose path contains <paramref name="kind"/> ("bpf-map", "perf_event").</summary>
    internal static int Mappings(string kind) => File.ReadLines("/proc/self/maps").Count(line => line.Contains(kind, StringComparison.Ordinal));
}
