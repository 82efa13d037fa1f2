using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Abi;

/// <summary><c>union bpf_attr</c> for BPF_PROG_LOAD.</summary>
[UapiLayout("linux/bpf.h", "union bpf_attr")]
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal unsafe struct ProgLoadAttr
{
    [FieldOffset(0)] public uint prog_type;
    [FieldOffset(4)] public uint insn_cnt;
    [FieldOffset(8)] public ulong insns;
    [FieldOffset(16)] public ulong license;
    [FieldOffset(24)] public uint log_level;
    [FieldOffset(28)] public uint log_size;
    [FieldOffset(32)] public ulong log_buf;
    [FieldOffset(40)] public uint kern_version;
    [FieldOffset(44)] public uint prog_flags;
    [FieldOffset(48)] public fixed byte prog_name[BpfObjectName.Capacity];
    [FieldOffset(64)] public uint prog_ifindex;
    [FieldOffset(68)] public uint expected_attach_type;
    [FieldOffset(72)] public uint prog_btf_fd;
    [FieldOffset(76)] public uint func_info_rec_size;
    [FieldOffset(80)] public ulong func_info;
    [FieldOffset(88)] public uint func_info_cnt;
    [FieldOffset(92)] public uint line_info_rec_size;
    [FieldOffset(96)] public ulong line_info;
    [FieldOffset(104)] public uint line_info_cnt;
    [FieldOffset(108)] public uint attach_btf_id;
    [FieldOffset(112)] public uint attach_prog_fd;
    [FieldOffset(112)] public uint attach_btf_obj_fd;
    [FieldOffset(116)] public uint core_relo_cnt;
    [FieldOffset(120)] public ulong fd_array;
    // core_relos and core_relo_rec_size (kernel-side CO-RE) follow; ManagedBpf resolves CO-RE itself.
}
