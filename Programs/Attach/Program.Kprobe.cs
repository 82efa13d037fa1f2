using System.Runtime.InteropServices;
using ManagedBpf.Kernel;

namespace ManagedBpf.Programs;

public sealed partial class Program
{
    /// <summary>
    /// Attaches a KPROBE program to the entry (or, with <see cref="KprobeOptions.Retprobe"/>, the return) of the
    /// kernel function <paramref name="function"/> through the kprobe PMU: <c>perf_event_attr.type</c> is the
    /// PMU's type from sysfs, <c>config1</c> points at the function name, <c>config2</c> is the offset, and the
    /// retprobe bit is where the PMU's format says.
    /// </summary>
    /// <exception cref="BpfAttachNotSupportedException">This kernel has no kprobe PMU.</exception>
    /// <exception cref="BpfSyscallException">perf_event_open or the attachment failed (ENOENT: no such function, or it cannot be probed).</exception>
    public PerfEventLink AttachKprobe(string function, KprobeOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(function);
        options ??= new KprobeOptions();
        var kind = options.Retprobe ? AttachKind.Kretprobe : AttachKind.Kprobe;
        var mechanism = AttachSupport.Require(kind);
        return AttachKprobeEvent(function, options, mechanism, $"{this} on {(options.Retprobe ? "kretprobe" : "kprobe")} {function}+{options.Offset}");
    }

    /// <summary>
    /// Attaches a KPROBE program to a system call's kernel entry point (libbpf's <c>bpf_program__attach_ksyscall</c>):
    /// a kprobe on the architecture's syscall wrapper, <c>__x64_sys_&lt;name&gt;</c> or <c>__arm64_sys_&lt;name&gt;</c>.
    /// </summary>
    /// <exception cref="BpfAttachNotSupportedException">This kernel has no kprobe PMU.</exception>
    public PerfEventLink AttachKsyscall(string syscall, bool retprobe = false, ulong cookie = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(syscall);
        var mechanism = AttachSupport.Require(AttachKind.Ksyscall);
        var options = new KprobeOptions { Retprobe = retprobe, Cookie = cookie };
        return AttachKprobeEvent(SyscallWrapper(syscall), options, mechanism, $"{this} on {(retprobe ? "kretsyscall" : "ksyscall")} {syscall}");
    }

    /// <summary>The kernel symbol of a syscall's entry point: the per-architecture wrapper (4.17+ on x86_64, 5.0+ on arm64).</summary>
    internal static string SyscallWrapper(string syscall) => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => "__x64_sys_" + syscall,
        Architecture.Arm64 => "__arm64_sys_" + syscall,
        var other => throw new PlatformNotSupportedException($"ManagedBpf supports x86_64 and arm64, not {other}."),
    };

    private unsafe PerfEventLink AttachKprobeEvent(string function, KprobeOptions options, AttachMechanism mechanism, string description)
    {
        fixed (byte* name = Bpf.NulTerminated(function))
        {
            var attr = ProbePmu.Attr("kprobe", name, options.Offset, options.Retprobe, refCounterOffset: 0);
            return PerfEventAttach.Attach(this, mechanism, ref attr, pid: -1, cpu: 0, options.Cookie, description);
        }
    }
}
