using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Abi;

/// <summary><c>union bpf_attr</c> for BPF_BTF_LOAD.</summary>
[UapiLayout("linux/bpf.h", "union bpf_attr")]
[StructLayout(LayoutKind.Explicit, Size = 32)]
internal struct BtfLoadAttr
{
    [FieldOffset(0)] public ulong btf;
    [FieldOffset(8)] public ulong btf_log_buf;
    [FieldOffset(16)] public uint btf_size;
    [FieldOffset(20)] public uint btf_log_size;
    [FieldOffset(24)] public uint btf_log_level;
}
