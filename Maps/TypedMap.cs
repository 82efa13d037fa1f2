using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ManagedBpf.Maps;

/// <summary>
/// A view of a map with unmanaged key and value types whose sizes match the map's. Every call passes
/// the caller's own storage to the kernel: nothing is allocated or copied on the way.
/// </summary>
/// <typeparam name="TKey">A blittable type of exactly <see cref="Map.KeySize"/> bytes.</typeparam>
/// <typeparam name="TValue">A blittable type of exactly <see cref="Map.ValueSize"/> bytes.</typeparam>
public readonly struct TypedMap<TKey, TValue> : IEquatable<TypedMap<TKey, TValue>>
    where TKey : unmanaged
    where TValue : unmanaged
{
    internal TypedMap(Map map)
    {
        if (map.IsPerCpu)
            throw new ArgumentException($"{map} is per-CPU: use AsPerCpu<TKey, TValue>().", nameof(map));
        MapViews.CheckSize<TKey>(map, map.KeySize, "key");
        MapViews.CheckSize<TValue>(map, map.ValueSize, "value");
        Map = map;
    }

    /// <summary>The underlying map.</summary>
    public Map Map { get; }

    /// <summary>Looks a key up. Returns false when it is absent.</summary>
    public bool TryGetValue(in TKey key, out TValue value)
    {
        value = default;
        return Map.TryLookup(MapViews.Bytes(in key), MemoryMarshal.AsBytes(new Span<TValue>(ref value)));
    }

    /// <summary>Creates or replaces an element.</summary>
    public void Update(in TKey key, in TValue value, MapUpdateFlags flags = MapUpdateFlags.Any) =>
        Map.Update(MapViews.Bytes(in key), MapViews.Bytes(in value), flags);

    /// <summary>Deletes a key. Returns false when it was absent.</summary>
    public bool Delete(in TKey key) => Map.Delete(MapViews.Bytes(in key));

    /// <summary>Gets the first key. Returns false when the map is empty.</summary>
    public bool TryGetFirstKey(out TKey first)
    {
        first = default;
        return Map.TryGetNextKey([], MemoryMarshal.AsBytes(new Span<TKey>(ref first)));
    }

    /// <summary>Gets the key after <paramref name="key"/>. Returns false after the last.</summary>
    public bool TryGetNextKey(in TKey key, out TKey next)
    {
        next = default;
        return Map.TryGetNextKey(MapViews.Bytes(in key), MemoryMarshal.AsBytes(new Span<TKey>(ref next)));
    }

    /// <inheritdoc/>
    public bool Equals(TypedMap<TKey, TValue> other) => ReferenceEquals(Map, other.Map);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TypedMap<TKey, TValue> other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => RuntimeHelpers.GetHashCode(Map);

    /// <summary>Whether two views share a map.</summary>
    public static bool operator ==(TypedMap<TKey, TValue> left, TypedMap<TKey, TValue> right) => left.Equals(right);

    /// <summary>Whether two views have different maps.</summary>
    public static bool operator !=(TypedMap<TKey, TValue> left, TypedMap<TKey, TValue> right) => !left.Equals(right);
}
