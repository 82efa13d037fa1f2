using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ManagedBpf.Kernel;

namespace ManagedBpf.Maps;

/// <summary>
/// A view of a per-CPU map: each value is one <typeparamref name="TValue"/> per possible CPU, indexed by
/// CPU id. The kernel lays slots out every <c>round_up(value_size, 8)</c> bytes; when that equals
/// <c>sizeof(TValue)</c> the caller's span is handed to the kernel directly, otherwise through a pooled
/// buffer, so steady-state calls allocate nothing.
/// </summary>
/// <typeparam name="TKey">A blittable type of exactly <see cref="Map.KeySize"/> bytes.</typeparam>
/// <typeparam name="TValue">A blittable type of exactly <see cref="Map.ValueSize"/> bytes.</typeparam>
public readonly struct PerCpuMap<TKey, TValue> : IEquatable<PerCpuMap<TKey, TValue>>
    where TKey : unmanaged
    where TValue : unmanaged
{
    internal PerCpuMap(Map map)
    {
        if (!map.IsPerCpu)
            throw new ArgumentException($"{map} is not per-CPU: use As<TKey, TValue>().", nameof(map));
        MapViews.CheckSize<TKey>(map, map.KeySize, "key");
        MapViews.CheckSize<TValue>(map, map.ValueSize, "value");
        Map = map;
    }

    /// <summary>The underlying map.</summary>
    public Map Map { get; }

    /// <summary>How many slots a value has: the number of possible CPUs (highest id + 1).</summary>
    public int SlotCount => KernelInfo.PossibleCpuCount;

    private static int Stride => (Unsafe.SizeOf<TValue>() + 7) & ~7;

    /// <summary>Reads the value of every CPU into <paramref name="values"/> (at least <see cref="SlotCount"/> long). Returns false when the key is absent.</summary>
    public bool TryGetValues(in TKey key, Span<TValue> values)
    {
        var slots = CheckSlots(values.Length);
        if (Stride == Unsafe.SizeOf<TValue>())
            return Map.TryLookup(MapViews.Bytes(in key), MemoryMarshal.AsBytes(values[..slots]));
        var buffer = ArrayPool<byte>.Shared.Rent(Map.ValueBufferSize);
        try
        {
            if (!Map.TryLookup(MapViews.Bytes(in key), buffer.AsSpan(0, Map.ValueBufferSize)))
                return false;
            for (var cpu = 0; cpu < slots; cpu++)
                values[cpu] = MemoryMarshal.Read<TValue>(buffer.AsSpan(cpu * Stride));
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Writes one value per CPU (<paramref name="values"/> at least <see cref="SlotCount"/> long).</summary>
    public void Update(in TKey key, ReadOnlySpan<TValue> values, MapUpdateFlags flags = MapUpdateFlags.Any)
    {
        var slots = CheckSlots(values.Length);
        if (Stride == Unsafe.SizeOf<TValue>())
        {
            Map.Update(MapViews.Bytes(in key), MemoryMarshal.AsBytes(values[..slots]), flags);
            return;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(Map.ValueBufferSize);
        try
        {
            var span = buffer.AsSpan(0, Map.ValueBufferSize);
            span.Clear();
            for (var cpu = 0; cpu < slots; cpu++)
                MemoryMarshal.Write(span[(cpu * Stride)..], in values[cpu]);
            Map.Update(MapViews.Bytes(in key), span, flags);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Deletes a key. Returns false when it was absent.</summary>
    public bool Delete(in TKey key) => Map.Delete(MapViews.Bytes(in key));

    /// <inheritdoc/>
    public bool Equals(PerCpuMap<TKey, TValue> other) => ReferenceEquals(Map, other.Map);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is PerCpuMap<TKey, TValue> other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => RuntimeHelpers.GetHashCode(Map);

    /// <summary>Whether two views share a map.</summary>
    public static bool operator ==(PerCpuMap<TKey, TValue> left, PerCpuMap<TKey, TValue> right) => left.Equals(right);

    /// <summary>Whether two views have different maps.</summary>
    public static bool operator !=(PerCpuMap<TKey, TValue> left, PerCpuMap<TKey, TValue> right) => !left.Equals(right);

    private int CheckSlots(int length) => length >= SlotCount
        ? SlotCount
        : throw new ArgumentException($"{Map}: pass room for {SlotCount} per-CPU values (one per possible CPU); got {length}.");
}
