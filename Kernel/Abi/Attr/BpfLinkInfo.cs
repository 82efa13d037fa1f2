using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Abi;

/// <summary>The leading fields of <c>struct bpf_link_info</c> common to every link type.</summary>
[UapiLayout("linux/bpf.h", "struct bpf_link_info")]
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct BpfLinkInfo
{
    [FieldOffset(0)] public uint type;
    [FieldOffset(4)] public uint id;
    [FieldOffset(8)] public uint prog_id;
}
