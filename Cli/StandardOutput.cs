using Microsoft.Win32.SafeHandles;

namespace ManagedBpf.Cli;

/// <summary>
/// Standard output as a stream that reports a closed reader: <see cref="Console.OpenStandardOutput()"/> swallows
/// EPIPE, so <c>mbpf run … | head</c> would stream into nothing, attached, until Ctrl-C. Writes to this stream throw
/// <see cref="IOException"/> instead (the runtime ignores SIGPIPE), and the readers stop as bpftool would.
/// </summary>
internal static class StandardOutput
{
    internal static Stream Open() => new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);

    /// <summary>True when stdout is a terminal, where output must not wait in a buffer behind the status line.</summary>
    internal static bool IsTerminal => !Console.IsOutputRedirected;
}
