using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Abi;

/// <summary><c>union bpf_attr</c> for BPF_MAP_CREATE.</summary>
[UapiLayout("linux/bpf.h", "union bpf_attr")]
[StructLayout(LayoutKind.Explicit, Size = 72)]
internal unsafe struct MapCreateAttr
{
    [FieldOffset(0)] public uint map_type;
    [FieldOffset(4)] public uint key_size;
    [FieldOffset(8)] public uint value_size;
    [FieldOffset(12)] public uint max_entries;
    [FieldOffset(16)] public uint map_flags;
    [FieldOffset(20)] public uint inner_map_fd;
    [FieldOffset(24)] public uint numa_node;
    [FieldOffset(28)] public fixed byte map_name[BpfObjectName.Capacity];
    [FieldOffset(44)] public uint map_ifindex;
    [FieldOffset(48)] public uint btf_fd;
    [FieldOffset(52)] public uint btf_key_type_id;
    [FieldOffset(56)] public uint btf_value_type_id;
    [FieldOffset(60)] public uint btf_vmlinux_value_type_id;
    [FieldOffset(64)] public ulong map_extra;
}
