using System.Diagnostics;

namespace ManagedBpf.Kernel.Tests;

/// <summary>Runs a command-line tool and returns its standard output, failing the test if it fails.</summary>
internal static class Tools
{
    internal static string Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} {arguments} failed ({process.ExitCode}): {error}");
        return output.Result;
    }
}
