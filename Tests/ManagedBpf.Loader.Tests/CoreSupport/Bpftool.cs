using System.Diagnostics;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Loader.Tests.CoreSupport;

/// <summary>Debian's bpftool (which links libbpf), used only as a differential oracle.</summary>
internal static class Bpftool
{
    public static readonly string? Path = Find();

    public static (int ExitCode, string Output) Run(params string[] arguments)
    {
        var info = new ProcessStartInfo(Path!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.GetAwaiter().GetResult() + stderr.GetAwaiter().GetResult());
    }

    private static string? Find()
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin", "/usr/local/sbin"]);
        return directories.Select(d => System.IO.Path.Combine(d, "bpftool")).FirstOrDefault(File.Exists);
    }
}

/// <summary>
/// A kernel test that also needs bpftool: skipped, with the reason, when either is missing — except under
/// MANAGEDBPF_REQUIRE_KERNEL=1 (CI installs bpftool), where a missing oracle fails the test instead.
/// </summary>
internal sealed class LibbpfOracleFactAttribute : FactAttribute
{
    public LibbpfOracleFactAttribute()
    {
        if (KernelTestEnvironment.SkipReason is { } reason)
        {
            Skip = reason;
        }
        else if (Bpftool.Path is null && !KernelTestEnvironment.KernelRequired)
        {
            Skip = "bpftool (the libbpf oracle) is not installed; apt-get install bpftool to run this differential test.";
        }
    }
}
