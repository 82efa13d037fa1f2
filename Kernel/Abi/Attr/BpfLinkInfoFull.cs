using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Abi;

/// <summary>
/// <c>struct bpf_link_info</c> with room for its per-type union (<c>raw_tracepoint</c>, <c>tracing</c>,
/// <c>cgroup</c>, <c>xdp</c>, <c>tcx</c>, <c>perf_event</c>…), which starts at offset 16. The union's members
/// differ per link type, so they are read from raw 8-byte slots; the kernel zero-fills what it does not set
/// and accepts a longer struct whose tail is zero.
/// </summary>
[UapiLayout("linux/bpf.h", "struct bpf_link_info")]
[StructLayout(LayoutKind.Explicit, Size = 16 + 8 * Slots)]
internal unsafe struct BpfLinkInfoFull
{
    /// <summary>8-byte slots of the union: 64 bytes, more than its largest member (uprobe_multi, 48).</summary>
    internal const int Slots = 8;

    [FieldOffset(0)] public uint type;
    [FieldOffset(4)] public uint id;
    [FieldOffset(8)] public uint prog_id;
    [UapiSkip][FieldOffset(16)] public fixed ulong union[Slots];
}
