using System.Diagnostics;

namespace ManagedBpf.Cli.Tests;

/// <summary>Runs the mbpf tool built beside the tests.</summary>
internal static class Mbpf
{
    internal static Process Start(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mbpf.dll"));
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        return Process.Start(start)!;
    }

    /// <summary>
    /// Starts mbpf with SIGINT at its default disposition, as a terminal's foreground job has it. A process started
    /// from a background job (a CI runner's, say) inherits SIGINT ignored, the .NET runtime keeps an ignored SIGINT
    /// ignored, and Ctrl-C would never reach the tool; env(1) resets it before the exec.
    /// </summary>
    internal static Process StartInForeground(params string[] arguments)
    {
        var start = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["--default-signal=INT", "dotnet", Path.Combine(AppContext.BaseDirectory, "mbpf.dll"), .. arguments])
            start.ArgumentList.Add(argument);
        return Process.Start(start)!;
    }

    internal static (int ExitCode, string Output, string Error) Run(params string[] arguments)
    {
        using var process = Start(arguments);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(120_000), "mbpf did not finish");
        return (process.ExitCode, output.Result, error);
    }
}
