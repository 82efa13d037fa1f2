using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Abi;

/// <summary><c>union bpf_attr</c> (member <c>info</c>) for BPF_OBJ_GET_INFO_BY_FD.</summary>
[UapiLayout("linux/bpf.h", "union bpf_attr", "info.")]
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct InfoByFdAttr
{
    [FieldOffset(0)] public uint bpf_fd;
    [FieldOffset(4)] public uint info_len;
    [FieldOffset(8)] public ulong info;
}
