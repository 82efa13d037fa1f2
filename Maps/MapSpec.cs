using ManagedBpf.Kernel;

namespace ManagedBpf.Maps;

/// <summary>
/// Everything the kernel needs to create a map, before it exists. The loader builds these from an
/// object's <c>.maps</c> and <c>maps</c> sections; code can also build them directly.
/// </summary>
public sealed record MapSpec
{
    /// <summary>The map's name (the kernel keeps 15 characters).</summary>
    public string Name { get; init; } = "";

    /// <summary>The map type.</summary>
    public BpfMapType Type { get; init; }

    /// <summary>Key size in bytes.</summary>
    public uint KeySize { get; init; }

    /// <summary>Value size in bytes, per CPU for per-CPU maps.</summary>
    public uint ValueSize { get; init; }

    /// <summary>Whether the type keeps one value per possible CPU (the per-CPU hash, array, LRU hash and cgroup storage).</summary>
    public bool IsPerCpu => IsPerCpuType(Type);

    internal static bool IsPerCpuType(BpfMapType type) =>
        type is BpfMapType.PERCPU_HASH or BpfMapType.PERCPU_ARRAY or BpfMapType.LRU_PERCPU_HASH or BpfMapType.PERCPU_CGROUP_STORAGE;

    /// <summary>Capacity; for ring buffers the data size in bytes. 0 on a perf event array means "one per possible CPU".</summary>
    public uint MaxEntries { get; init; }

    /// <summary>BPF_MAP_CREATE flags.</summary>
    public MapFlags Flags { get; init; }

    /// <summary>The NUMA node, with <see cref="MapFlags.NumaNode"/>.</summary>
    public uint NumaNode { get; init; }

    /// <summary>Per-type extra: bloom filter hash count, arena address…</summary>
    public ulong MapExtra { get; init; }

    /// <summary>Whether to share the map through bpffs by name.</summary>
    public MapPinning Pinning { get; init; }

    /// <summary>For ARRAY_OF_MAPS and HASH_OF_MAPS: the shape of the inner maps.</summary>
    public MapSpec? InnerMap { get; init; }

    /// <summary>BTF type id of the key in the object's BTF (0 when absent).</summary>
    public uint BtfKeyTypeId { get; init; }

    /// <summary>BTF type id of the value in the object's BTF (0 when absent).</summary>
    public uint BtfValueTypeId { get; init; }

    /// <summary>BTF type id of a kernel struct held as the value (struct_ops).</summary>
    public uint BtfVmlinuxValueTypeId { get; init; }

    /// <summary>A perf event array (4-byte keys and values, one entry per possible CPU unless given).</summary>
    public static MapSpec PerfEventArray(string name, uint maxEntries = 0) =>
        new() { Name = name, Type = BpfMapType.PERF_EVENT_ARRAY, KeySize = 4, ValueSize = 4, MaxEntries = maxEntries };

    /// <summary>A ring buffer of <paramref name="size"/> data bytes.</summary>
    /// <param name="name">The map's name.</param>
    /// <param name="size">Data size: a power of two and a multiple of the page size.</param>
    /// <param name="roundUp">Round a size that breaks the rule up to the next valid one instead of throwing.</param>
    /// <exception cref="ArgumentOutOfRangeException">The size breaks the rule (the message states it).</exception>
    public static MapSpec RingBuffer(string name, ulong size, bool roundUp = false) =>
        new() { Name = name, Type = BpfMapType.RINGBUF, MaxEntries = RingBufferSize.Check(size, roundUp) };

    /// <summary>A user ring buffer (user space produces, programs drain) of <paramref name="size"/> data bytes.</summary>
    /// <inheritdoc cref="RingBuffer(string, ulong, bool)"/>
    public static MapSpec UserRingBuffer(string name, ulong size, bool roundUp = false) =>
        new() { Name = name, Type = BpfMapType.USER_RINGBUF, MaxEntries = RingBufferSize.Check(size, roundUp) };

    /// <summary>
    /// The spec as the kernel will see it, with libbpf's defaults applied: perf event arrays get 4-byte keys
    /// and values and one entry per possible CPU; ring buffer sizes are checked.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A buffer map's size breaks the kernel's rule.</exception>
    public MapSpec Normalize()
    {
        switch (Type)
        {
            case BpfMapType.PERF_EVENT_ARRAY:
                return this with
                {
                    KeySize = KeySize == 0 ? 4 : KeySize,
                    ValueSize = ValueSize == 0 ? 4 : ValueSize,
                    MaxEntries = MaxEntries == 0 ? (uint)KernelInfo.PossibleCpuCount : MaxEntries,
                };
            case BpfMapType.RINGBUF or BpfMapType.USER_RINGBUF:
                RingBufferSize.Check(MaxEntries, roundUp: false);
                return this;
            default:
                return this;
        }
    }
}
