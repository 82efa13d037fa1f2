using System.Diagnostics;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Cli.Tests;

/// <summary>
/// The README's requirement line, checked as written: a user who is not root, with CAP_BPF and CAP_PERFMON and nothing
/// else, runs the demo; with one of them missing, the error names what is missing.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CapabilityTests : IDisposable
{
    private readonly UnprivilegedHome _home = new();

    public void Dispose() => _home.Dispose();

    [KernelTheory]
    [InlineData("ring")]
    [InlineData("perf")]
    public async Task A_user_with_only_CAP_BPF_and_CAP_PERFMON_traces_execs(string via)
    {
        var marker = "mbpf-capabilities-" + Guid.NewGuid().ToString("N");
        using var trace = AsNobody("+bpf,+perfmon", "trace", "exec", "--via", via, "--json", "--duration", "3");
        await trace.WaitForError(ToolSession.TraceReady);
        await TraceExecTests.Exec("/bin/echo", marker);

        Assert.True(await trace.Exit() == 0, trace.Error);
        Assert.Contains(trace.Output, l => l.Contains(marker, StringComparison.Ordinal));
        Assert.Contains(" exec events, 0 dropped by the producer", trace.Error);
    }

    [KernelFact]
    public async Task Without_CAP_PERFMON_the_error_names_it()
    {
        using var trace = AsNobody("+bpf", "trace", "exec", "--duration", "3");

        Assert.Equal(77, await trace.Exit()); // EX_NOPERM
        Assert.Empty(trace.Output);
        var error = Assert.Single(trace.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("EPERM", error);
        Assert.Contains("CAP_PERFMON", error);
    }

    /// <summary>
    /// A tracepoint program's attach reads its event id from tracefs, which CAP_BPF and CAP_PERFMON do not open: the
    /// error says so, and how to grant it or do without it.
    /// </summary>
    [KernelFact]
    public async Task A_tracepoint_without_access_to_tracefs_says_what_is_missing()
    {
        File.Copy(Path.Combine(AppContext.BaseDirectory, "fixtures", "tracing.bpf.o"), Path.Combine(_home.ToolDirectory, "tracing.bpf.o"));
        using var run = AsNobody("+bpf,+perfmon", "run", Path.Combine(_home.ToolDirectory, "tracing.bpf.o"), "--attach", "tracepoint_execve", "--duration", "3");

        Assert.Equal(77, await run.Exit()); // EX_NOPERM
        Assert.Empty(run.Output);
        var error = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("tracepoint syscalls/sys_enter_execve needs its id from tracefs", error);
        Assert.Contains("gid=", error);
        Assert.Contains("tp_btf/", error);
    }

    /// <summary>mbpf as user nobody whose only capabilities are <paramref name="capabilities"/> (ambient, so they survive the exec of dotnet).</summary>
    private ToolSession AsNobody(string capabilities, params string[] arguments)
    {
        var start = new ProcessStartInfo("setpriv")
        {
            Environment = { ["HOME"] = _home.HomeDirectory, ["DOTNET_CLI_HOME"] = _home.HomeDirectory },
        };
        foreach (var argument in (string[])["--reuid=65534", "--regid=65534", "--clear-groups", $"--inh-caps=-all,{capabilities}",
            $"--ambient-caps=-all,{capabilities}", $"--bounding-set=-all,{capabilities}", "--", "dotnet", _home.Tool, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        return ToolSession.Start(start);
    }
}
