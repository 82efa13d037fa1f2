using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Abi;

/// <summary><c>union bpf_attr</c> for BPF_OBJ_PIN and BPF_OBJ_GET.</summary>
[UapiLayout("linux/bpf.h", "union bpf_attr")]
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct ObjAttr
{
    [FieldOffset(0)] public ulong pathname;
    [FieldOffset(8)] public uint bpf_fd;
    [FieldOffset(12)] public uint file_flags;
}
