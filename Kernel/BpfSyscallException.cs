using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel;

/// <summary>
/// A system call made on behalf of BPF failed. Carries the errno, the call (a <c>bpf(2)</c> command or the
/// name of another syscall such as <c>perf_event_open</c>), and a hint a person can act on where the
/// errno means something specific for that call.
/// </summary>
public class BpfSyscallException : Exception
{
    /// <summary>Creates an exception for a failed call.</summary>
    /// <param name="operation">The call: <c>BPF_MAP_CREATE</c>, <c>perf_event_open</c>, <c>mmap</c>…</param>
    /// <param name="errno">The errno the kernel returned.</param>
    /// <param name="command">The bpf command, when the call was <c>bpf(2)</c>.</param>
    /// <param name="subject">What the call was about (a map or program name, a path), or null.</param>
    /// <param name="hint">What the person can do about it, or null.</param>
    public BpfSyscallException(string operation, Errno errno, BpfCommand? command = null, string? subject = null, string? hint = null)
        : base(Format(operation, errno, subject, hint))
    {
        Operation = operation;
        Errno = errno;
        Command = command;
        Subject = subject;
        Hint = hint;
    }

    /// <summary>Creates an exception with a message of the caller's own, for subclasses that add context.</summary>
    protected BpfSyscallException(string message, string operation, Errno errno, BpfCommand? command, string? subject, string? hint, Exception? inner)
        : base(message, inner)
    {
        Operation = operation;
        Errno = errno;
        Command = command;
        Subject = subject;
        Hint = hint;
    }

    /// <summary>The call that failed, e.g. <c>BPF_MAP_CREATE</c> or <c>perf_event_open</c>.</summary>
    public string Operation { get; }

    /// <summary>The errno the kernel returned.</summary>
    public Errno Errno { get; }

    /// <summary>The bpf command, when the call was <c>bpf(2)</c>.</summary>
    public BpfCommand? Command { get; }

    /// <summary>What the call was about (a map or program name, a path), or null.</summary>
    public string? Subject { get; }

    /// <summary>What the person can do about it, or null when the errno says all there is.</summary>
    public string? Hint { get; }

    /// <summary>The libc description of an errno, e.g. "Operation not permitted".</summary>
    public static string Describe(Errno errno) => errno switch
    {
        Errno.ENOTSUPP => "Operation is not supported",
        _ => Marshal.GetPInvokeErrorMessage((int)errno),
    };

    /// <summary>The name the kernel sources give an errno ("EPERM"), or its number.</summary>
    public static string NameOf(Errno errno) => Enum.IsDefined(errno) ? errno.ToString() : ((int)errno).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Format(string operation, Errno errno, string? subject, string? hint)
    {
        var about = subject is null ? "" : $" ({subject})";
        var text = $"{operation}{about} failed: {NameOf(errno)} ({(int)errno}): {Describe(errno)}.";
        return hint is null ? text : $"{text} {hint}";
    }
}
