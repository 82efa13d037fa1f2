using System.Diagnostics;
using System.Text.Json;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Cli.Tests;

/// <summary>The main job, end to end: mbpf trace exec sees an exec this test makes, through either transport.</summary>
public sealed class TraceExecTests
{
    [KernelTheory]
    [InlineData("ring", false)]
    [InlineData("perf", false)]
    [InlineData("perf", true)]
    public async Task Reports_an_exec_with_its_arguments_and_return_code(string via, bool ordered)
    {
        var marker = "mbpf-marker-" + Guid.NewGuid().ToString("N");
        string[] arguments = ["trace", "exec", "--via", via, "--json", "--duration", "8", .. ordered ? new[] { "--ordered" } : []];
        using var trace = Mbpf.Start(arguments);
        var lines = new List<JsonElement>();
        var reader = Task.Run(async () =>
        {
            while (await trace.StandardOutput.ReadLineAsync() is { } line)
                lines.Add(JsonDocument.Parse(line).RootElement.Clone());
        });

        // Give the tool time to load and attach, then exec until it is seen (or the tool stops).
        await Task.Delay(3000);
        int echoPid = 0;
        for (var i = 0; i < 5 && !trace.HasExited; i++)
        {
            using var echo = Process.Start(new ProcessStartInfo("/bin/echo", marker) { RedirectStandardOutput = true })!;
            echoPid = echo.Id;
            await echo.WaitForExitAsync();
            await Task.Delay(200);
        }
        await trace.WaitForExitAsync();
        await reader;
        var error = await trace.StandardError.ReadToEndAsync();

        Assert.True(trace.ExitCode == 0, $"mbpf exited {trace.ExitCode}: {error}");
        var seen = lines.Where(e => e.GetProperty("args").EnumerateArray().Any(a => a.GetString() == marker)).ToList();
        Assert.NotEmpty(seen);
        var exec = seen[^1];
        Assert.Equal("/bin/echo", exec.GetProperty("filename").GetString());
        Assert.Equal("echo", exec.GetProperty("comm").GetString());
        Assert.Equal(0, exec.GetProperty("retval").GetInt32());
        Assert.Equal(Environment.ProcessId, exec.GetProperty("ppid").GetInt32());
        Assert.Contains(" exec events, 0 dropped", error);
        if (ordered)
        {
            // Merged across CPUs by sample time (the exec's own timestamp_ns is taken at entry, so two execs that
            // overlap on two CPUs may finish, and be sampled, in the other order).
            var times = lines.Select(e => e.GetProperty("sample_time_ns").GetUInt64()).ToList();
            Assert.Equal(times.Order(), times);
        }
    }

    /// <summary>
    /// The README's first command on a fresh machine: neither tracefs nor bpffs mounted (a private mount
    /// namespace with both unmounted). The tool mounts what it needs, as bpftool does, and still reports execs.
    /// </summary>
    [KernelFact]
    public async Task Works_where_tracefs_and_bpffs_are_not_mounted()
    {
        var marker = "mbpf-fresh-" + Guid.NewGuid().ToString("N");
        var mbpf = Path.Combine(AppContext.BaseDirectory, "mbpf.dll");
        var script = "umount /sys/kernel/tracing 2>/dev/null; umount /sys/fs/bpf 2>/dev/null; "
            + "grep -qE ' (tracefs|bpf) ' /proc/self/mounts && echo STILL-MOUNTED >&2; "
            + $"dotnet {mbpf} trace exec --json --duration 8";
        using var trace = Process.Start(new ProcessStartInfo("unshare", ["-m", "--propagation", "private", "sh", "-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = trace.StandardOutput.ReadToEndAsync();
        await Task.Delay(4000);
        for (var i = 0; i < 3 && !trace.HasExited; i++)
        {
            using var echo = Process.Start(new ProcessStartInfo("/bin/echo", marker) { RedirectStandardOutput = true })!;
            await echo.WaitForExitAsync();
            await Task.Delay(300);
        }
        await trace.WaitForExitAsync();
        var error = await trace.StandardError.ReadToEndAsync();
        Assert.True(trace.ExitCode == 0, $"exit {trace.ExitCode}: {error}");
        Assert.DoesNotContain("STILL-MOUNTED", error);
        Assert.Contains(marker, await output);
    }

    [KernelFact]
    public void A_failed_exec_reports_its_errno()
    {
        using var trace = Mbpf.Start("trace", "exec", "--json", "--duration", "6");
        var output = trace.StandardOutput.ReadToEndAsync();
        Thread.Sleep(3000);
        var missing = "/nonexistent-" + Guid.NewGuid().ToString("N");
        // .NET checks the path before exec; a shell really calls execve, which fails with ENOENT.
        using (var shell = Process.Start("/bin/sh", ["-c", missing + " 2>/dev/null; true"]))
            shell.WaitForExit();
        trace.WaitForExit();
        var events = output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var failed = Assert.Single(events, e => e.GetProperty("filename").GetString() == missing);
        Assert.Equal(-2, failed.GetProperty("retval").GetInt32()); // -ENOENT
    }
}
