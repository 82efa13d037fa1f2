using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Abi;

/// <summary><c>union bpf_attr</c> (member <c>batch</c>) for the BPF_MAP_*_BATCH commands.</summary>
[UapiLayout("linux/bpf.h", "union bpf_attr", "batch.")]
[StructLayout(LayoutKind.Explicit, Size = 56)]
internal struct MapBatchAttr
{
    [FieldOffset(0)] public ulong in_batch;
    [FieldOffset(8)] public ulong out_batch;
    [FieldOffset(16)] public ulong keys;
    [FieldOffset(24)] public ulong values;
    [FieldOffset(32)] public uint count;
    [FieldOffset(36)] public uint map_fd;
    [FieldOffset(40)] public ulong elem_flags;
    [FieldOffset(48)] public ulong flags;
}
