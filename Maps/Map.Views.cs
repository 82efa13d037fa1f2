namespace ManagedBpf.Maps;

public sealed partial class Map
{
    /// <summary>A typed, allocation-free view of this map.</summary>
    /// <exception cref="ArgumentException">The types' sizes differ from the map's, or the map is per-CPU.</exception>
    public TypedMap<TKey, TValue> As<TKey, TValue>()
        where TKey : unmanaged
        where TValue : unmanaged => new(this);

    /// <summary>A typed view of this per-CPU map, one value per possible CPU.</summary>
    /// <exception cref="ArgumentException">The types' sizes differ from the map's, or the map is not per-CPU.</exception>
    public PerCpuMap<TKey, TValue> AsPerCpu<TKey, TValue>()
        where TKey : unmanaged
        where TValue : unmanaged => new(this);
}
