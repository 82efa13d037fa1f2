using ManagedBpf.Kernel;

namespace ManagedBpf.Maps;

/// <summary>What the kernel reports about a map (BPF_OBJ_GET_INFO_BY_FD, <c>struct bpf_map_info</c>).</summary>
/// <param name="Type">The map type.</param>
/// <param name="Id">The kernel's id for the map, stable while it exists.</param>
/// <param name="KeySize">Key size in bytes.</param>
/// <param name="ValueSize">Value size in bytes (per CPU for per-CPU maps).</param>
/// <param name="MaxEntries">Capacity (data bytes for ring buffers).</param>
/// <param name="Flags">Creation flags.</param>
/// <param name="Name">The name the kernel kept (at most 15 characters).</param>
/// <param name="BtfId">The id of the BTF object describing the map, or 0.</param>
/// <param name="BtfKeyTypeId">BTF type id of the key, or 0.</param>
/// <param name="BtfValueTypeId">BTF type id of the value, or 0.</param>
/// <param name="MapExtra">Per-type extra value.</param>
public sealed record MapInfo(
    BpfMapType Type,
    uint Id,
    uint KeySize,
    uint ValueSize,
    uint MaxEntries,
    MapFlags Flags,
    string Name,
    uint BtfId,
    uint BtfKeyTypeId,
    uint BtfValueTypeId,
    ulong MapExtra);
