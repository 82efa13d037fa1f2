using System.Runtime.InteropServices;
using ManagedBpf.Kernel.Abi;

namespace ManagedBpf.Kernel.Perf;

/// <summary><c>struct perf_event_attr</c> (PERF_ATTR_SIZE_VER8, 136 bytes).</summary>
[UapiLayout("linux/perf_event.h", "struct perf_event_attr")]
[StructLayout(LayoutKind.Explicit, Size = 136)]
internal struct PerfEventAttr
{
    internal const uint SizeVer8 = 136;

    [FieldOffset(0)] public uint type;
    [FieldOffset(4)] public uint size;
    [FieldOffset(8)] public ulong config;
    [FieldOffset(16)] public ulong sample_period;
    [FieldOffset(16)] public ulong sample_freq;
    [FieldOffset(24)] public ulong sample_type;
    [FieldOffset(32)] public ulong read_format;
    /// <summary>The bitfield word after read_format: disabled, inherit, …, watermark (bit 14), …</summary>
    [UapiSkip][FieldOffset(40)] public ulong flags;
    [FieldOffset(48)] public uint wakeup_events;
    [FieldOffset(48)] public uint wakeup_watermark;
    [FieldOffset(52)] public uint bp_type;
    [FieldOffset(56)] public ulong config1;
    [FieldOffset(56)] public ulong bp_addr;
    [FieldOffset(64)] public ulong config2;
    [FieldOffset(64)] public ulong bp_len;
    [FieldOffset(72)] public ulong branch_sample_type;
    [FieldOffset(80)] public ulong sample_regs_user;
    [FieldOffset(88)] public uint sample_stack_user;
    [FieldOffset(92)] public int clockid;
    [FieldOffset(96)] public ulong sample_regs_intr;
    [FieldOffset(104)] public uint aux_watermark;
    [FieldOffset(108)] public ushort sample_max_stack;
    [FieldOffset(112)] public uint aux_sample_size;
    [FieldOffset(120)] public ulong sig_data;
    [UapiSkip][FieldOffset(128)] public ulong config3; // 6.3+: newer than the headers Debian 12 ships
}
