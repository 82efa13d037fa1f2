namespace ManagedBpf.TestSupport;

/// <summary>What a command-line tool run by <see cref="ExternalTool.Execute"/> did.</summary>
/// <param name="ExitCode">The process's exit code.</param>
/// <param name="Output">Its standard output.</param>
/// <param name="Error">Its standard error.</param>
public sealed record ToolResult(int ExitCode, string Output, string Error)
{
    /// <summary>Whether the tool exited with 0.</summary>
    public bool Succeeded => ExitCode == 0;
}
