using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Abi;

/// <summary><c>union bpf_attr</c> for BPF_MAP_FREEZE, which takes only <c>map_fd</c>.</summary>
[UapiLayout("linux/bpf.h", "union bpf_attr")]
[StructLayout(LayoutKind.Explicit, Size = 4)]
internal struct MapFdAttr
{
    [FieldOffset(0)] public uint map_fd;
}
