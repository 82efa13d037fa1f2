using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Abi;

/// <summary><c>union bpf_attr</c> (member <c>link_create</c>) for BPF_LINK_CREATE.</summary>
[UapiLayout("linux/bpf.h", "union bpf_attr", "link_create.")]
[StructLayout(LayoutKind.Explicit, Size = 48)]
internal struct LinkCreateAttr
{
    [FieldOffset(0)] public uint prog_fd;
    [FieldOffset(4)] public uint target_fd;
    [FieldOffset(4)] public uint target_ifindex;
    [FieldOffset(8)] public uint attach_type;
    [FieldOffset(12)] public uint flags;
    [FieldOffset(16)] public uint target_btf_id;
    [FieldOffset(16)] public ulong iter_info;
    [FieldOffset(24)] public uint iter_info_len;
    // perf_event.bpf_cookie, kprobe_multi, tracing, tcx... overlay offset 16 onwards; writers use these raw slots.
    [UapiSkip][FieldOffset(16)] public ulong extra0;
    [UapiSkip][FieldOffset(24)] public ulong extra1;
    [UapiSkip][FieldOffset(32)] public ulong extra2;
    [UapiSkip][FieldOffset(40)] public ulong extra3;
}
