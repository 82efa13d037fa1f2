using System.Diagnostics;
using System.Text.Json;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Cli.Tests;

/// <summary>
/// The main job, end to end: mbpf trace exec sees an exec this test makes, through either transport. Every test waits
/// for the tool's ready line (printed once the programs are attached and the buffers read), never a fixed time.
/// </summary>
public sealed class TraceExecTests
{
    [KernelTheory]
    [InlineData("ring", false)]
    [InlineData("perf", false)]
    [InlineData("perf", true)]
    public async Task Reports_an_exec_with_its_arguments_and_return_code(string via, bool ordered)
    {
        var marker = "mbpf-marker-" + Guid.NewGuid().ToString("N");
        using var trace = ToolSession.Mbpf(["trace", "exec", "--via", via, "--json", "--duration", "4", .. ordered ? new[] { "--ordered" } : []]);
        await trace.WaitForError(ToolSession.TraceReady);
        await Exec("/bin/echo", marker);

        Assert.True(await trace.Exit() == 0, trace.Error);
        var lines = trace.Output.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var exec = Assert.Single(lines, e => e.GetProperty("args").EnumerateArray().Any(a => a.GetString() == marker));
        Assert.Equal("/bin/echo", exec.GetProperty("filename").GetString());
        Assert.Equal("echo", exec.GetProperty("comm").GetString());
        Assert.Equal(0, exec.GetProperty("retval").GetInt32());
        Assert.Equal(Environment.ProcessId, exec.GetProperty("ppid").GetInt32());
        Assert.Contains(" exec events, 0 dropped", trace.Error);
        if (ordered)
        {
            // Merged across CPUs by sample time (the exec's own timestamp_ns is taken at entry, so two execs that
            // overlap on two CPUs may finish, and be sampled, in the other order).
            var times = lines.Select(e => e.GetProperty("sample_time_ns").GetUInt64()).ToList();
            Assert.Equal(times.Order(), times);
        }
    }

    /// <summary>
    /// Execs that happen while the tool starts are not dropped by the programs: the buffers exist before the programs
    /// attach. (Perf buffers used to be created after the attach, so bpf_perf_event_output found no perf event for
    /// the execs in between and the programs counted them as dropped.)
    /// </summary>
    [KernelTheory]
    [InlineData("ring")]
    [InlineData("perf")]
    public async Task Drops_nothing_while_starting_under_an_exec_storm(string via)
    {
        using var storm = Process.Start(new ProcessStartInfo("sh", ["-c", "while :; do /bin/true; done"]))!;
        try
        {
            using var trace = ToolSession.Mbpf("trace", "exec", "--via", via, "--json", "--duration", "1");
            await trace.WaitForError(ToolSession.TraceReady);

            Assert.True(await trace.Exit() == 0, trace.Error);
            Assert.Contains(trace.Output, l => l.Contains("\"/bin/true\"", StringComparison.Ordinal));
            Assert.Contains(" exec events, 0 dropped by the producer", trace.Error);
        }
        finally
        {
            storm.Kill(entireProcessTree: true);
        }
    }

    /// <summary>
    /// --duration is time spent tracing: it starts when the programs are attached (the header line), not when the
    /// tool starts, so a slow start (a busy machine, a cold JIT, parsing the kernel's BTF) does not eat it.
    /// </summary>
    [KernelFact]
    public async Task Duration_counts_from_the_attach()
    {
        const double seconds = 3;
        using var trace = ToolSession.Mbpf("trace", "exec", "--duration", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await trace.WaitFor(() => trace.Output.Count > 0, "the header line");

        Assert.True(await trace.Exit() == 0, trace.Error);
        Assert.StartsWith("TIME", trace.Output[0]);
        // The totals time the trace from the attach to the end of the last drain. Counted from start-up, loading
        // would eat into --duration and they would show less; a stopwatch here would also time this test's own
        // scheduling, which a busy machine delays by more than any margin.
        var totals = System.Text.RegularExpressions.Regex.Match(trace.Error, @"records \([^)]*\) in (\d+\.\d) s");
        Assert.True(totals.Success, trace.Error);
        var traced = double.Parse(totals.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(traced >= seconds - 0.05, $"traced for {traced} s, of --duration {seconds}: {trace.Error}");
    }

    /// <summary>
    /// The README's first command on a fresh machine: neither tracefs nor bpffs mounted (a private mount
    /// namespace with both unmounted). The tool needs neither, and still reports execs.
    /// </summary>
    [KernelFact]
    public async Task Works_where_tracefs_and_bpffs_are_not_mounted()
    {
        var marker = "mbpf-fresh-" + Guid.NewGuid().ToString("N");
        var script = "umount /sys/kernel/tracing 2>/dev/null; umount /sys/fs/bpf 2>/dev/null; "
            + "grep -qE ' (tracefs|bpf) ' /proc/self/mounts && echo STILL-MOUNTED >&2; "
            + "exec $MBPF trace exec --json --duration 3";
        using var trace = ToolSession.Start(new ProcessStartInfo("unshare", ["-m", "--propagation", "private", "sh", "-c", script]) { Environment = { ["MBPF"] = $"dotnet {ToolSession.MbpfDll}" } });
        await trace.WaitForError(ToolSession.TraceReady);
        await Exec("/bin/echo", marker);

        Assert.True(await trace.Exit() == 0, trace.Error);
        Assert.DoesNotContain("STILL-MOUNTED", trace.Error);
        Assert.Contains(trace.Output, l => l.Contains(marker, StringComparison.Ordinal));
    }

    [KernelFact]
    public async Task A_failed_exec_reports_its_errno()
    {
        using var trace = ToolSession.Mbpf("trace", "exec", "--json", "--duration", "2");
        await trace.WaitForError(ToolSession.TraceReady);
        var missing = "/nonexistent-" + Guid.NewGuid().ToString("N");
        // .NET checks the path before exec; a shell really calls execve, which fails with ENOENT.
        await Exec("/bin/sh", "-c", missing + " 2>/dev/null; true");

        Assert.True(await trace.Exit() == 0, trace.Error);
        var events = trace.Output.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var failed = Assert.Single(events, e => e.GetProperty("filename").GetString() == missing);
        Assert.Equal(-2, failed.GetProperty("retval").GetInt32()); // -ENOENT
    }

    /// <summary>Runs a program to its end.</summary>
    internal static async Task Exec(string file, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true })!;
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
    }
}
