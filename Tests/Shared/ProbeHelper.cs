using System.Diagnostics;

namespace ManagedBpf.Tests.Shared;

/// <summary>
/// The gcc-built helper (probe_helper.c) running as a child process: the test tells it what to do and it
/// answers when done, so every event it causes has happened by the time <see cref="Run"/> returns.
/// </summary>
internal sealed class ProbeHelper : IDisposable
{
    private static readonly Lazy<string> Built = new(Build);
    private readonly Process _process;

    private ProbeHelper(Process process) => _process = process;

    /// <summary>The helper executable (built once per test run).</summary>
    public static string BinaryPath => Built.Value;

    /// <summary>The child's pid (its tgid, which BPF programs filter on).</summary>
    public int Pid => _process.Id;

    /// <summary>Starts the helper and waits until it is ready for commands.</summary>
    public static ProbeHelper Start()
    {
        var process = Process.Start(new ProcessStartInfo(BinaryPath) { RedirectStandardInput = true, RedirectStandardOutput = true })!;
        var helper = new ProbeHelper(process);
        var ready = process.StandardOutput.ReadLine();
        Assert.Equal("ready", ready);
        return helper;
    }

    /// <summary>Runs one command (see probe_helper.c) and returns the number it reports.</summary>
    public long Run(string command)
    {
        _process.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
        var answer = _process.StandardOutput.ReadLine();
        Assert.NotNull(answer);
        Assert.StartsWith("done ", answer);
        return long.Parse(answer["done ".Length..]);
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.WriteLine("exit");
            _process.StandardInput.Flush();
        }
        catch (IOException)
        {
            // Already gone.
        }
        if (!_process.WaitForExit(5000))
            _process.Kill();
        _process.Dispose();
    }

    private static string Build()
    {
        var source = Path.Combine(AppContext.BaseDirectory, "probe_helper.c");
        var output = Path.Combine(Directory.CreateTempSubdirectory("managedbpf-probe-helper-").FullName, "probe_helper");
        using var gcc = Process.Start(new ProcessStartInfo("gcc", ["-O2", "-Wall", "-Werror", "-o", output, source]) { RedirectStandardError = true })!;
        var errors = gcc.StandardError.ReadToEnd();
        gcc.WaitForExit();
        Assert.True(gcc.ExitCode == 0, $"gcc failed: {errors}");
        return output;
    }
}
