using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Abi;

/// <summary><c>union bpf_attr</c> (member <c>test</c>) for BPF_PROG_TEST_RUN.</summary>
[UapiLayout("linux/bpf.h", "union bpf_attr", "test.")]
[StructLayout(LayoutKind.Explicit, Size = 80)]
internal struct ProgTestRunAttr
{
    [FieldOffset(0)] public uint prog_fd;
    [FieldOffset(4)] public uint retval;
    [FieldOffset(8)] public uint data_size_in;
    [FieldOffset(12)] public uint data_size_out;
    [FieldOffset(16)] public ulong data_in;
    [FieldOffset(24)] public ulong data_out;
    [FieldOffset(32)] public uint repeat;
    [FieldOffset(36)] public uint duration;
    [FieldOffset(40)] public uint ctx_size_in;
    [FieldOffset(44)] public uint ctx_size_out;
    [FieldOffset(48)] public ulong ctx_in;
    [FieldOffset(56)] public ulong ctx_out;
    [FieldOffset(64)] public uint flags;
    [FieldOffset(68)] public uint cpu;
    [FieldOffset(72)] public uint batch_size;
}
