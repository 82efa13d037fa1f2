using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Abi;

/// <summary><c>union bpf_attr</c> (member <c>iter_create</c>) for BPF_ITER_CREATE.</summary>
[UapiLayout("linux/bpf.h", "union bpf_attr", "iter_create.")]
[StructLayout(LayoutKind.Explicit, Size = 8)]
internal struct IterCreateAttr
{
    [FieldOffset(0)] public uint link_fd;
    [FieldOffset(4)] public uint flags;
}
