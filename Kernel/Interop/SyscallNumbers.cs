using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Interop;

/// <summary>Syscall numbers that libc has no wrapper for, per architecture (arch/*/include/uapi/asm/unistd*.h).</summary>
internal static class SyscallNumbers
{
    /// <summary><c>__NR_bpf</c>: 321 on x86_64, 280 on arm64 (asm-generic).</summary>
    internal static readonly nint Bpf = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 321,
        Architecture.Arm64 => 280,
        var other => throw new PlatformNotSupportedException($"ManagedBpf supports x86_64 and arm64, not {other}."),
    };

    /// <summary><c>__NR_perf_event_open</c>: 298 on x86_64, 241 on arm64 (asm-generic).</summary>
    internal static readonly nint PerfEventOpen = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 298,
        Architecture.Arm64 => 241,
        var other => throw new PlatformNotSupportedException($"ManagedBpf supports x86_64 and arm64, not {other}."),
    };
}
