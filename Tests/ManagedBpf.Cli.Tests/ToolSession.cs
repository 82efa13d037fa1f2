using System.Diagnostics;
using System.Text;

namespace ManagedBpf.Cli.Tests;

/// <summary>
/// A running command (mbpf, or a shell around it) whose stdout and stderr are collected line by line as they come,
/// so a test can wait for an observable signal (mbpf's ready line on stderr) instead of a fixed time.
/// </summary>
internal sealed class ToolSession : IDisposable
{
    /// <summary>What mbpf trace exec prints on stderr once its programs are attached and its buffers read.</summary>
    internal const string TraceReady = "mbpf: tracing execs through";

    /// <summary>How long any wait may take on a machine busy with other work before the test fails.</summary>
    internal static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly StringBuilder _error = new();
    private readonly Task _readers;

    private ToolSession(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        _process = Process.Start(start)!;
        _readers = Task.WhenAll(
            Task.Run(async () =>
            {
                while (await _process.StandardOutput.ReadLineAsync() is { } line)
                {
                    lock (_output)
                        _output.Add(line);
                }
            }),
            Task.Run(async () =>
            {
                while (await _process.StandardError.ReadLineAsync() is { } line)
                {
                    lock (_error)
                        _error.AppendLine(line);
                }
            }));
    }

    internal int Pid => _process.Id;

    /// <summary>How many lines stdout has had so far (without copying them).</summary>
    internal int OutputCount
    {
        get
        {
            lock (_output)
                return _output.Count;
        }
    }

    internal List<string> Output
    {
        get
        {
            lock (_output)
                return [.. _output];
        }
    }

    internal string Error
    {
        get
        {
            lock (_error)
                return _error.ToString();
        }
    }

    /// <summary>Runs <c>dotnet mbpf.dll</c> with <paramref name="arguments"/>.</summary>
    internal static ToolSession Mbpf(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet");
        start.ArgumentList.Add(MbpfDll);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        return new ToolSession(start);
    }

    /// <summary>Runs a shell command line (<c>sh -c</c>), in which <c>$MBPF</c> is the tool's command.</summary>
    internal static ToolSession Shell(string commandLine)
    {
        var start = new ProcessStartInfo("sh", ["-c", commandLine]);
        start.Environment["MBPF"] = $"dotnet {MbpfDll}";
        return new ToolSession(start);
    }

    /// <summary>Runs any program.</summary>
    internal static ToolSession Start(ProcessStartInfo start) => new(start);

    internal static string MbpfDll => Path.Combine(AppContext.BaseDirectory, "mbpf.dll");

    /// <summary>Waits until stderr has a line containing <paramref name="fragment"/>; fails if the command ends first.</summary>
    internal Task WaitForError(string fragment) => WaitFor(() => Error.Contains(fragment, StringComparison.Ordinal), $"'{fragment}' on stderr");

    /// <summary>Waits until <paramref name="condition"/> holds (polled); fails if the command ends first or after <see cref="Bound"/>.</summary>
    internal async Task WaitFor(Func<bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (_process.HasExited && !condition())
            {
                await _readers.WaitAsync(Bound);
                Assert.True(condition(), $"the command exited ({_process.ExitCode}) before {what}: {Error}");
                return;
            }

            Assert.True(deadline.Elapsed < Bound, $"no {what} within {Bound.TotalSeconds} s: {Error}");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds, for a state of the kernel that sends no signal (a program freed
    /// once no descriptor holds it): polled, failing after <see cref="Bound"/>.
    /// </summary>
    internal static async Task Until(Func<bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < Bound, $"{what} did not happen within {Bound.TotalSeconds} s");
            await Task.Delay(20);
        }
    }

    /// <summary>Waits for the command to end and its output to be read; returns its exit code.</summary>
    internal async Task<int> Exit()
    {
        await _process.WaitForExitAsync().WaitAsync(Bound);
        await _readers.WaitAsync(Bound);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
