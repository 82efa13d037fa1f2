using System.Diagnostics;

namespace ManagedBpf.TestSupport;

/// <summary>Runs a command-line tool (bpftool, gcc, readelf, mount…) and returns its standard output; a failure fails the test with the tool's stderr.</summary>
public static class ExternalTool
{
    /// <summary>Runs <paramref name="file"/> with a command line.</summary>
    public static string Run(string file, string arguments) => Run(new ProcessStartInfo(file, arguments));

    /// <summary>Runs <paramref name="file"/> with separate arguments (no shell quoting).</summary>
    public static string Run(string file, params string[] arguments) => Run(new ProcessStartInfo(file, arguments));

    /// <summary>
    /// Runs <paramref name="file"/> with separate arguments and returns its exit code and both outputs, whatever the
    /// exit code: for tools whose refusal is itself the result (an oracle that may refuse an object).
    /// </summary>
    public static ToolResult Execute(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return new ToolResult(process.ExitCode, output.Result, error);
    }

    private static string Run(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{start.FileName} {start.Arguments}{string.Join(' ', start.ArgumentList)} failed ({process.ExitCode}): {error}");
        return output.Result;
    }
}
