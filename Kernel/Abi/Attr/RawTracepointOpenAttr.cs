using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Abi;

/// <summary><c>union bpf_attr</c> (member <c>raw_tracepoint</c>) for BPF_RAW_TRACEPOINT_OPEN.</summary>
[UapiLayout("linux/bpf.h", "union bpf_attr", "raw_tracepoint.")]
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct RawTracepointOpenAttr
{
    [FieldOffset(0)] public ulong name;
    [FieldOffset(8)] public uint prog_fd;
}
