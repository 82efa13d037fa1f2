using System.Runtime.InteropServices;
using ManagedBpf.Kernel.Interop;

namespace ManagedBpf.Kernel;

/// <summary>
/// Pins the calling thread to one CPU (<c>sched_setaffinity(0, …)</c>), as a consumer or producer thread of a ring is
/// pinned in benchmarks and latency-sensitive agents. <see cref="System.Diagnostics.Process.ProcessorAffinity"/> cannot:
/// on Linux it sets the mask of the thread whose id is the process id, the main thread, whatever thread calls it.
/// </summary>
public static class ThreadAffinity
{
    private const int MaxCpus = 4096; // CONFIG_NR_CPUS's largest default; the mask below is that many bits

    /// <summary>Pins the calling thread to <paramref name="cpu"/>; threads it starts afterwards inherit the mask.</summary>
    /// <param name="cpu">A CPU id (ids can have gaps: take one from <see cref="KernelInfo.OnlineCpus"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cpu"/> is negative or beyond 4095.</exception>
    /// <exception cref="BpfSyscallException">sched_setaffinity failed (EINVAL: the CPU is offline or not allowed by the cgroup's cpuset).</exception>
    public static unsafe void PinCurrentThread(int cpu)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cpu);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(cpu, MaxCpus);
        var mask = stackalloc ulong[MaxCpus / 64];
        new Span<ulong>(mask, MaxCpus / 64).Clear();
        mask[cpu / 64] = 1UL << (cpu % 64);
        if (Libc.SchedSetAffinity(0, MaxCpus / 8, mask) != 0)
        {
            var errno = (Errno)Marshal.GetLastPInvokeError();
            throw new BpfSyscallException("sched_setaffinity", errno, subject: $"CPU {cpu}",
                hint: errno == Errno.EINVAL ? "The CPU is offline or outside this process's cpuset." : null);
        }
    }
}
