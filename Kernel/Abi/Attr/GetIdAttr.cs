using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Abi;

/// <summary><c>union bpf_attr</c> for BPF_*_GET_NEXT_ID and BPF_*_GET_FD_BY_ID.</summary>
[UapiLayout("linux/bpf.h", "union bpf_attr")]
[StructLayout(LayoutKind.Explicit, Size = 12)]
internal struct GetIdAttr
{
    [FieldOffset(0)] public uint start_id;
    [FieldOffset(0)] public uint map_id;
    [FieldOffset(0)] public uint prog_id;
    [FieldOffset(0)] public uint btf_id;
    [FieldOffset(0)] public uint link_id;
    [FieldOffset(4)] public uint next_id;
    [FieldOffset(8)] public uint open_flags;
}
