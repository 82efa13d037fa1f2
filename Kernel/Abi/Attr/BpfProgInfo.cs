using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Abi;

/// <summary>The leading fields of <c>struct bpf_prog_info</c> that ManagedBpf reads (the kernel accepts a shorter info_len).</summary>
[UapiLayout("linux/bpf.h", "struct bpf_prog_info")]
[StructLayout(LayoutKind.Explicit, Size = 80)]
internal unsafe struct BpfProgInfo
{
    [FieldOffset(0)] public uint type;
    [FieldOffset(4)] public uint id;
    [FieldOffset(8)] public fixed byte tag[8];
    [FieldOffset(16)] public uint jited_prog_len;
    [FieldOffset(20)] public uint xlated_prog_len;
    [FieldOffset(24)] public ulong jited_prog_insns;
    [FieldOffset(32)] public ulong xlated_prog_insns;
    [FieldOffset(40)] public ulong load_time;
    [FieldOffset(48)] public uint created_by_uid;
    [FieldOffset(52)] public uint nr_map_ids;
    [FieldOffset(56)] public ulong map_ids;
    [FieldOffset(64)] public fixed byte name[BpfObjectName.Capacity];
}
