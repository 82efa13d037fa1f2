using ManagedBpf.Kernel;
using ManagedBpf.Maps;

namespace ManagedBpf.Loader;

/// <summary>
/// What libbpf does to the maps an object defines before it creates them; a <see cref="MapSpec"/> built in code
/// gets none of it (its rules are checked as written).
/// </summary>
internal static class ObjectMapRules
{
    /// <summary>
    /// A ring buffer's size rounded up as libbpf's <c>adjust_ringbuf_sz</c> does: objects declare sizes such as 1,000
    /// that the kernel refuses, so the smallest power-of-two multiple of the page size at least as large is used.
    /// 0 and sizes no valid one covers are left for the kernel's rule to refuse with its message.
    /// </summary>
    internal static MapSpec RoundRingBuffer(MapSpec spec) =>
        spec.Type is BpfMapType.RINGBUF or BpfMapType.USER_RINGBUF && spec.MaxEntries != 0 && spec.MaxEntries <= RingBufferSize.Max
            ? spec with { MaxEntries = RingBufferSize.RoundUp(spec.MaxEntries) }
            : spec;

    /// <summary>
    /// Whether the kernel takes BTF key and value types for this map type. For these it answers EINVAL or ENOTSUPP,
    /// so libbpf's <c>bpf_object__create_map</c> never passes them, whatever <c>__type()</c> the definition used.
    /// </summary>
    internal static bool TakesBtfKeyValue(BpfMapType type) => type is not (BpfMapType.PERF_EVENT_ARRAY or BpfMapType.CGROUP_ARRAY
        or BpfMapType.STACK_TRACE or BpfMapType.ARRAY_OF_MAPS or BpfMapType.HASH_OF_MAPS or BpfMapType.DEVMAP or BpfMapType.DEVMAP_HASH
        or BpfMapType.CPUMAP or BpfMapType.XSKMAP or BpfMapType.SOCKMAP or BpfMapType.SOCKHASH or BpfMapType.QUEUE or BpfMapType.STACK
        or BpfMapType.ARENA);
}
