using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Abi;

/// <summary><c>union bpf_iter_link_info</c>: what BPF_LINK_CREATE with BPF_TRACE_ITER walks (its <c>task</c> member is checked; <c>map.map_fd</c> overlays <c>tid</c>).</summary>
[UapiLayout("linux/bpf.h", "union bpf_iter_link_info", "task.")]
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct BpfIterLinkInfo
{
    [UapiSkip][FieldOffset(0)] public uint map_fd;
    [FieldOffset(0)] public uint tid;
    [FieldOffset(4)] public uint pid;
    [FieldOffset(8)] public uint pid_fd;
}
