using ManagedBpf.Maps;

namespace ManagedBpf.Buffers.Chunks;

/// <summary>
/// Reads the drop counter that <c>managedbpf_chunks.h</c> keeps: a <c>BPF_MAP_TYPE_PERCPU_ARRAY</c> with one u64 at
/// key 0 per CPU, incremented for every chunk whose ring buffer reservation failed (the kernel keeps no such count).
/// </summary>
public static class ChunkDropCounter
{
    /// <summary>The failed reservations of every CPU, indexed by CPU id (possible CPUs).</summary>
    /// <param name="dropMap">The per-CPU array map (<c>mbpf_chunk_drops</c> in the header).</param>
    /// <returns>One count per possible CPU.</returns>
    /// <exception cref="ArgumentException">The map is not a per-CPU map with u32 keys and u64 values.</exception>
    public static ulong[] ReadPerCpu(Map dropMap)
    {
        ArgumentNullException.ThrowIfNull(dropMap);
        if (!dropMap.IsPerCpu || dropMap.KeySize != sizeof(uint) || dropMap.ValueSize != sizeof(ulong))
            throw new ArgumentException(Invariant.Format($"Map '{dropMap.Name}' is not a per-CPU array of u64 values."), nameof(dropMap));
        var view = dropMap.AsPerCpu<uint, ulong>();
        var values = new ulong[view.SlotCount];
        return view.TryGetValues(0u, values) ? values : new ulong[view.SlotCount];
    }

    /// <summary>The failed reservations summed over all CPUs.</summary>
    /// <param name="dropMap">The per-CPU array map (<c>mbpf_chunk_drops</c> in the header).</param>
    /// <returns>The total.</returns>
    /// <exception cref="ArgumentException">The map is not a per-CPU map with u32 keys and u64 values.</exception>
    public static ulong Read(Map dropMap)
    {
        ulong total = 0;
        foreach (var v in ReadPerCpu(dropMap))
            total += v;
        return total;
    }
}
