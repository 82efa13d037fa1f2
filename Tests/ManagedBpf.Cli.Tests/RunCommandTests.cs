using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Cli.Tests;

/// <summary>
/// <c>mbpf run</c> on <c>run_events.bpf.o</c>, a fixture the tool does not embed: variables set from the command
/// line reach the program, and its records come out of both transports decoded with the object's BTF.
/// </summary>
public sealed class RunCommandTests
{
    private static readonly string Object = Path.Combine(AppContext.BaseDirectory, "fixtures", "run_events.bpf.o");

    [KernelFact]
    public async Task Streams_records_decoded_with_the_objects_BTF_from_both_transports()
    {
        using var helper = ProbeHelper.Start();
        var (lines, error, exitCode) = await RunWhile(helper, "getppid 3",
            "run", Object, "--type", "struct run_event", "--count", "6", "--duration", "10",
            "--set", $"target_pid={helper.Pid}", "--set", "delta=-42", "--set", "kind=RUN_KIND_TAGGED",
            "--set", "tagged=true", "--set", "label=hello");

        Assert.True(exitCode == 0, error);
        Assert.True(lines.Count == 6, $"{lines.Count} records; mbpf said: {error}");
        foreach (var map in new[] { "events", "events_perf" })
        {
            var records = lines.Where(l => l.GetProperty("map").GetString() == map).ToList();
            Assert.Equal([0UL, 1UL, 2UL], records.Select(r => r.GetProperty("value").GetProperty("seq").GetUInt64()));
            foreach (var record in records)
            {
                var value = record.GetProperty("value");
                Assert.Equal(helper.Pid, value.GetProperty("pid").GetInt32());
                Assert.Equal(-42, value.GetProperty("delta").GetInt32());
                Assert.Equal("probe_helper", value.GetProperty("comm").GetString());
                Assert.Equal("RUN_KIND_TAGGED", value.GetProperty("kind").GetString());
                Assert.Equal(5, value.GetProperty("flags").GetInt32());
                Assert.Equal(17, value.GetProperty("level").GetInt32());
                Assert.Equal("""[{"x":-1,"y":2},{"x":300,"y":-400}]""", value.GetProperty("points").GetRawText());
                Assert.Equal("[[1,2,3],[4,5,6]]", value.GetProperty("grid").GetRawText());
                Assert.True(value.GetProperty("tagged").GetBoolean());
                Assert.Equal("hello", value.GetProperty("label").GetString());
            }
        }

        // Perf samples carry the kernel's padding: 64 bytes of record, raw size round_up(64 + 4, 8) - 4.
        Assert.All(lines, l => Assert.Equal(l.GetProperty("map").GetString() == "events" ? 64 : 68, l.GetProperty("size").GetInt32()));
        Assert.All(lines.Where(l => l.GetProperty("map").GetString() == "events_perf"), l => Assert.True(l.TryGetProperty("cpu", out _)));
        Assert.Contains("0 lost, 0 corrupted", error);
    }

    [KernelFact]
    public async Task Without_a_type_records_are_hex_and_only_the_named_map_and_program_are_used()
    {
        using var helper = ProbeHelper.Start();
        var (lines, error, exitCode) = await RunWhile(helper, "getppid 1",
            "run", Object, "--ring", "events", "--attach", "on_getppid", "--count", "1", "--duration", "60", "--set", $"target_pid={helper.Pid}");

        Assert.True(exitCode == 0, error);
        var record = Assert.Single(lines);
        Assert.Equal("events", record.GetProperty("map").GetString());
        Assert.False(record.TryGetProperty("value", out _));
        var bytes = Convert.FromHexString(record.GetProperty("hex").GetString()!);
        Assert.Equal(64, bytes.Length);
        Assert.Equal(helper.Pid, BitConverter.ToInt32(bytes, 0));
        Assert.Equal(-7, BitConverter.ToInt32(bytes, 4)); // delta's default
    }

    /// <summary>
    /// --count N prints N records, and the totals report those N, with what the readers took from the buffers beyond
    /// them (both transports read whole batches) said apart as read and not printed.
    /// </summary>
    [KernelFact]
    public async Task Count_prints_that_many_records_and_the_totals_agree()
    {
        using var helper = ProbeHelper.Start();
        var (lines, error, exitCode) = await RunWhile(helper, "getppid 3",
            "run", Object, "--count", "1", "--duration", "60", "--set", $"target_pid={helper.Pid}");

        Assert.True(exitCode == 0, error);
        var record = Assert.Single(lines);
        Assert.Contains($"mbpf: 1 records ({record.GetProperty("size").GetInt32()} B) in ", error);
    }

    /// <summary>Ctrl-C (SIGINT) stops the stream: the tool detaches, prints its totals and exits 0, leaving no link or program behind.</summary>
    [KernelFact]
    public async Task Ctrl_C_detaches_prints_totals_and_exits_cleanly()
    {
        using var helper = ProbeHelper.Start();
        using var run = Mbpf.StartInForeground("run", Object, "--ring", "events", "--duration", "120", "--set", $"target_pid={helper.Pid}");
        try
        {
            var ready = await run.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Contains("streaming", ready);
            var programs = ProgramIdsHeldBy(run.Id);
            Assert.NotEmpty(programs);
            helper.Run("getppid 2");
            Assert.NotNull(await run.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.NotNull(await run.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));

            ExternalTool.Run("kill", "-INT", run.Id.ToString(CultureInfo.InvariantCulture));
            Assert.True(run.WaitForExit((int)ToolSession.Bound.TotalMilliseconds), "mbpf did not stop on SIGINT");
            var error = await run.StandardError.ReadToEndAsync();

            Assert.Equal(0, run.ExitCode);
            Assert.Contains("mbpf: 2 records (128 B)", error);
            // No link or descriptor holds the programs any more: the kernel frees them (after an RCU grace period).
            await ToolSession.Until(() => !programs.Any(IsLoaded), $"freeing programs {string.Join(", ", programs)}");
        }
        finally
        {
            Kill(run);
        }
    }

    /// <summary>A closed stdout (<c>mbpf run … | head -n 1</c>) ends the stream at the next record, as SIGPIPE ends bpftool.</summary>
    [KernelFact]
    public async Task A_closed_stdout_ends_the_stream()
    {
        using var helper = ProbeHelper.Start();
        var mbpf = $"dotnet {Path.Combine(AppContext.BaseDirectory, "mbpf.dll")} run {Object} --duration 120 --set target_pid={helper.Pid}";
        using var pipeline = Process.Start(new ProcessStartInfo("sh", ["-c", $"{mbpf} | head -n 1"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        try
        {
            var ready = await pipeline.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Contains("streaming", ready);
            helper.Run("getppid 1");
            Assert.Contains("\"map\"", await pipeline.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));
            helper.Run("getppid 1"); // the write that finds the pipe closed

            Assert.True(pipeline.WaitForExit(30_000), "mbpf kept streaming into a closed pipe");
            Assert.Equal(0, pipeline.ExitCode);
            Assert.Contains("records", await pipeline.StandardError.ReadToEndAsync());
        }
        finally
        {
            Kill(pipeline);
        }
    }

    [Theory]
    [InlineData("--set delta=5000000000", "--set delta: 5000000000 does not fit", "-2147483648 to 2147483647")]
    [InlineData("--set kind=RUN_KIND_OTHER", "not an enumerator", "RUN_KIND_PLAIN, RUN_KIND_TAGGED")]
    [InlineData("--set label=much_too_long", "--set label:", "at most 7")]
    [InlineData("--set nosuch=1", "no global variable 'nosuch'", "")]
    [InlineData("--type event", "No type named 'event'", "run_event, run_point")]
    [InlineData("--perf events", "the map is a RINGBUF, not a PERF_EVENT_ARRAY", "")]
    [InlineData("--attach nope", "no program 'nope'", "on_getppid")]
    public void Bad_arguments_fail_with_the_rule(string arguments, string expected, string alsoExpected)
    {
        var (exitCode, output, error) = Mbpf.Run(["run", Object, .. arguments.Split(' ')]);

        Assert.Equal(1, exitCode);
        Assert.Empty(output);
        Assert.Contains(expected, error);
        Assert.Contains(alsoExpected, error);
    }

    /// <summary>
    /// On a terminal (a pseudo-terminal from script(1)), a status line appears on stderr once a second and is
    /// erased before the totals; with stderr redirected (every other test) it never appears.
    /// </summary>
    [KernelFact]
    public async Task Shows_a_status_line_once_a_second_on_a_terminal()
    {
        using var helper = ProbeHelper.Start();
        var command = $"dotnet {Path.Combine(AppContext.BaseDirectory, "mbpf.dll")} run {Object} --ring events --duration 6 --set target_pid={helper.Pid} >/dev/null";
        using var script = Process.Start(new ProcessStartInfo("script", ["-qfec", command, "/dev/null"]) { RedirectStandardOutput = true })!;
        try
        {
            var terminal = new System.Text.StringBuilder();
            var buffer = new char[4096];
            while (!terminal.ToString().Contains("streaming", StringComparison.Ordinal))
            {
                var read = await script.StandardOutput.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
                Assert.True(read > 0, $"mbpf ended before streaming: {terminal}");
                terminal.Append(buffer, 0, read);
            }

            helper.Run("getppid 5");
            terminal.Append(await script.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60)));
            var text = terminal.ToString();

            Assert.Contains("records/s", text);
            Assert.Contains("ring fill", text);
            Assert.Contains("\r\x1b[Kmbpf: 5 records (320 B)", text); // the line is erased before the totals
        }
        finally
        {
            Kill(script);
        }
    }

    /// <summary>The ids of the BPF programs a process holds (program and link descriptors show a prog_id in fdinfo).</summary>
    private static List<uint> ProgramIdsHeldBy(int pid)
    {
        var ids = new HashSet<uint>();
        foreach (var fdinfo in Directory.GetFiles($"/proc/{pid}/fdinfo"))
        {
            try
            {
                foreach (var line in File.ReadLines(fdinfo).Where(l => l.StartsWith("prog_id:", StringComparison.Ordinal)))
                    ids.Add(uint.Parse(line["prog_id:".Length..].Trim(), CultureInfo.InvariantCulture));
            }
            catch (IOException)
            {
                // The descriptor was closed meanwhile (the runtime opens and closes files of its own).
            }
        }

        return [.. ids];
    }

    private static bool IsLoaded(uint programId)
    {
        using var bpftool = Process.Start(new ProcessStartInfo("bpftool", ["prog", "show", "id", programId.ToString(CultureInfo.InvariantCulture)]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        bpftool.WaitForExit();
        return bpftool.ExitCode == 0;
    }

    private static void Kill(Process process)
    {
        if (!process.HasExited)
            process.Kill(entireProcessTree: true);
    }

    /// <summary>Starts mbpf, waits until it streams (its stderr says so), has the helper act, and reads to the end.</summary>
    private static async Task<(List<JsonElement> Lines, string Error, int ExitCode)> RunWhile(ProbeHelper helper, string action, params string[] arguments)
    {
        using var run = Mbpf.Start(arguments);
        var lines = new List<JsonElement>();
        var stdout = Task.Run(async () =>
        {
            while (await run.StandardOutput.ReadLineAsync() is { } line)
                lines.Add(JsonDocument.Parse(line).RootElement.Clone());
        });
        var error = new System.Text.StringBuilder();
        var streaming = new TaskCompletionSource();
        var stderr = Task.Run(async () =>
        {
            while (await run.StandardError.ReadLineAsync() is { } line)
            {
                lock (error)
                    error.AppendLine(line);
                if (line.Contains("streaming", StringComparison.Ordinal))
                    streaming.TrySetResult();
            }

            streaming.TrySetResult();
        });
        try
        {
            await streaming.Task.WaitAsync(TimeSpan.FromSeconds(60));
            helper.Run(action);
            Assert.True(run.WaitForExit(60_000), "mbpf did not stop");
            await Task.WhenAll(stdout, stderr);
            return (lines, error.ToString(), run.ExitCode);
        }
        finally
        {
            Kill(run);
        }
    }
}
