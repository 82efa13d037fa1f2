using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Abi;

/// <summary><c>union bpf_attr</c> for BPF_MAP_{LOOKUP,UPDATE,DELETE}_ELEM, GET_NEXT_KEY and LOOKUP_AND_DELETE_ELEM.</summary>
[UapiLayout("linux/bpf.h", "union bpf_attr")]
[StructLayout(LayoutKind.Explicit, Size = 32)]
internal struct MapElemAttr
{
    [FieldOffset(0)] public uint map_fd;
    [FieldOffset(8)] public ulong key;
    [FieldOffset(16)] public ulong value;
    [FieldOffset(16)] public ulong next_key;
    [FieldOffset(24)] public ulong flags;
}
