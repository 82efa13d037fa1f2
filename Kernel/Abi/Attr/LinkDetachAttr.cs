using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Abi;

/// <summary><c>union bpf_attr</c> (member <c>link_detach</c>) for BPF_LINK_DETACH.</summary>
[UapiLayout("linux/bpf.h", "union bpf_attr", "link_detach.")]
[StructLayout(LayoutKind.Explicit, Size = 4)]
internal struct LinkDetachAttr
{
    [FieldOffset(0)] public uint link_fd;
}
