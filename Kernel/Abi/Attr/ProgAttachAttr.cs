using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Abi;

/// <summary><c>union bpf_attr</c> for BPF_PROG_ATTACH and BPF_PROG_DETACH.</summary>
[UapiLayout("linux/bpf.h", "union bpf_attr")]
[StructLayout(LayoutKind.Explicit, Size = 20)]
internal struct ProgAttachAttr
{
    [FieldOffset(0)] public uint target_fd;
    [FieldOffset(4)] public uint attach_bpf_fd;
    [FieldOffset(8)] public uint attach_type;
    [FieldOffset(12)] public uint attach_flags;
    [FieldOffset(16)] public uint replace_bpf_fd;
}
