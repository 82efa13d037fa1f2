using ManagedBpf.Kernel;

namespace ManagedBpf.Programs;

/// <summary>
/// The kernel refused to load a program. Carries the verifier's whole log; the message ends with its last
/// lines, where the verifier says what it could not prove.
/// </summary>
public sealed class BpfVerifierException : BpfSyscallException
{
    private const int TailLines = 24;

    internal BpfVerifierException(Errno errno, string subject, string log, bool truncated)
        : base(Format(errno, subject, log, truncated), "BPF_PROG_LOAD", errno, BpfCommand.PROG_LOAD, subject, BpfErrorHints.ForCommand(BpfCommand.PROG_LOAD, errno), null)
    {
        Log = log;
        LogTruncated = truncated;
    }

    /// <summary>The verifier log, whole (as far as the largest buffer allowed).</summary>
    public string Log { get; }

    /// <summary>Whether the log filled even the largest buffer, so its beginning is missing.</summary>
    public bool LogTruncated { get; }

    /// <summary>The last <paramref name="count"/> non-empty lines of a log.</summary>
    public static string Tail(string log, int count)
    {
        ArgumentNullException.ThrowIfNull(log);
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - count)));
    }

    private static string Format(Errno errno, string subject, string log, bool truncated)
    {
        var head = $"BPF_PROG_LOAD ({subject}) failed: {NameOf(errno)} ({(int)errno}): {Describe(errno)}. {BpfErrorHints.ForCommand(BpfCommand.PROG_LOAD, errno)}";
        if (log.Length == 0)
            return head + " The kernel wrote no verifier log.";
        return $"{head}\nverifier log{(truncated ? " (truncated)" : "")}, last lines:\n{Tail(log, TailLines)}";
    }
}
