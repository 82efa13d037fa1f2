using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Abi;

/// <summary><c>struct bpf_map_info</c>, filled by BPF_OBJ_GET_INFO_BY_FD on a map.</summary>
[UapiLayout("linux/bpf.h", "struct bpf_map_info")]
[StructLayout(LayoutKind.Explicit, Size = 88)]
internal unsafe struct BpfMapInfo
{
    [FieldOffset(0)] public uint type;
    [FieldOffset(4)] public uint id;
    [FieldOffset(8)] public uint key_size;
    [FieldOffset(12)] public uint value_size;
    [FieldOffset(16)] public uint max_entries;
    [FieldOffset(20)] public uint map_flags;
    [FieldOffset(24)] public fixed byte name[BpfObjectName.Capacity];
    [FieldOffset(40)] public uint ifindex;
    [FieldOffset(44)] public uint btf_vmlinux_value_type_id;
    [FieldOffset(48)] public ulong netns_dev;
    [FieldOffset(56)] public ulong netns_ino;
    [FieldOffset(64)] public uint btf_id;
    [FieldOffset(68)] public uint btf_key_type_id;
    [FieldOffset(72)] public uint btf_value_type_id;
    [FieldOffset(80)] public ulong map_extra;
}
