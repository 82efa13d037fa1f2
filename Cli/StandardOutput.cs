using ManagedBpf.Kernel;

namespace ManagedBpf.Cli;

/// <summary>
/// Standard output as a stream that writes at the descriptor's shared offset and reports a closed reader
/// (see <see cref="DescriptorStream"/>): <c>{ echo A; mbpf …; echo B; } &gt; f</c>, <c>&gt; f 2&gt;&amp;1</c> and
/// <c>&gt;&gt; f</c> keep every byte, and <c>mbpf run … | head</c> stops at the first write after head exits.
/// </summary>
internal static class StandardOutput
{
    internal static Stream Open() => new DescriptorStream(1);

    /// <summary>True when stdout is a terminal, where output must not wait in a buffer behind the status line.</summary>
    internal static bool IsTerminal => !Console.IsOutputRedirected;
}
