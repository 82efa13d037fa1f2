using System.Runtime.InteropServices;
using ManagedBpf.Kernel.Interop;

namespace ManagedBpf.Kernel.Perf;

/// <summary>perf_event_open(2) and the perf ioctls.</summary>
internal static unsafe class PerfEvent
{
    /// <summary>Opens a perf event with close-on-exec. <c>attr.size</c> is filled in.</summary>
    /// <exception cref="BpfSyscallException">The message names the CPU; ENODEV means the CPU is offline.</exception>
    internal static SafeFdHandle Open(ref PerfEventAttr attr, int pid, int cpu, string? subject = null)
    {
        attr.size = PerfEventAttr.SizeVer8;
        fixed (PerfEventAttr* p = &attr)
        {
            var fd = Libc.Syscall(SyscallNumbers.PerfEventOpen, (nint)p, pid, cpu, -1, (nint)PerfConstants.PERF_FLAG_FD_CLOEXEC);
            if (fd >= 0)
                return new SafeFdHandle((int)fd, ownsHandle: true);
            var errno = (Errno)Marshal.GetLastPInvokeError();
            var about = $"{subject ?? "perf event"}, cpu {cpu}" + (pid >= 0 ? $", pid {pid}" : "");
            throw new BpfSyscallException("perf_event_open", errno, subject: about, hint: errno switch
            {
                Errno.EPERM or Errno.EACCES => BpfErrorHints.Privileges(null) + " Also check kernel.perf_event_paranoid.",
                Errno.ENODEV => "That CPU is offline or does not exist.",
                Errno.ENOENT => "This kernel has no such event type or PMU.",
                Errno.E2BIG => "This kernel expects a smaller perf_event_attr.",
                Errno.EMFILE => "Too many open files: raise RLIMIT_NOFILE.",
                _ => null,
            });
        }
    }

    /// <summary>PERF_EVENT_IOC_ENABLE.</summary>
    internal static void Enable(SafeFdHandle perfEvent) => Ioctl(perfEvent, PerfConstants.PERF_EVENT_IOC_ENABLE, 0, "PERF_EVENT_IOC_ENABLE");

    /// <summary>PERF_EVENT_IOC_DISABLE.</summary>
    internal static void Disable(SafeFdHandle perfEvent) => Ioctl(perfEvent, PerfConstants.PERF_EVENT_IOC_DISABLE, 0, "PERF_EVENT_IOC_DISABLE");

    /// <summary>PERF_EVENT_IOC_SET_BPF: attaches a program to a perf event the old way (before bpf_link).</summary>
    internal static void SetBpf(SafeFdHandle perfEvent, SafeFdHandle program)
    {
        using var lease = program.Borrow();
        Ioctl(perfEvent, PerfConstants.PERF_EVENT_IOC_SET_BPF, lease.Fd, "PERF_EVENT_IOC_SET_BPF");
    }

    private static void Ioctl(SafeFdHandle fd, nuint request, nint argument, string name)
    {
        using var lease = fd.Borrow();
        if (Libc.Ioctl(lease.Fd, request, argument) < 0)
            throw new BpfSyscallException(name, (Errno)Marshal.GetLastPInvokeError());
    }
}
