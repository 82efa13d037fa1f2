using System.Text;
using System.Text.Json;
using ManagedBpf.TestSupport;
using Xunit.Abstractions;

namespace ManagedBpf.Cli.Tests;

/// <summary>
/// Objects of public projects (fixtures/corpus, compiled for this kernel) under <c>mbpf run</c>, as their users run
/// them: each with a workload that makes its programs fire, and the records checked for what the workload did. And
/// every corpus object that loads: it runs, or says which of its programs this kernel cannot attach.
/// </summary>
public sealed class CorpusRunTests(ITestOutputHelper log) : IDisposable
{
    // A copy of /bin/true under a name no other process has: its comm (15 characters at most) marks the workload.
    private readonly string _marker = "mbpf" + Guid.NewGuid().ToString("N")[..8];
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("mbpf-corpus-run-");

    public void Dispose() => _dir.Delete(recursive: true);

    [KernelFact]
    public async Task Execsnoop_decodes_the_exec_of_a_process_the_test_started()
    {
        var records = await Run("bcc-libbpf-tools/execsnoop.bpf.c", ["--type", "event"], ExecMarker, r => Value(r, "comm") == _marker);

        var exec = records.Select(r => r.GetProperty("value")).First(v => v.GetProperty("comm").GetString() == _marker);
        Assert.Equal(Path.Combine(_dir.FullName, _marker), exec.GetProperty("args").GetString());
        Assert.Equal(0, exec.GetProperty("retval").GetInt32());
        Assert.True(exec.GetProperty("pid").GetInt32() > 0);
    }

    [KernelTheory]
    [InlineData("bcc-libbpf-tools/exitsnoop.bpf.c")]
    [InlineData("libbpf-bootstrap/bootstrap.bpf.c")]
    [InlineData("libbpf-bootstrap/bootstrap_legacy.bpf.c")]
    public async Task Process_tracers_see_the_process_the_test_started(string source) =>
        await Run(source, [], ExecMarker, r => HexContains(r, _marker));

    [KernelFact]
    public async Task Opensnoop_sees_a_file_the_test_opened() =>
        await Run("bcc-libbpf-tools/opensnoop.bpf.c", ["--set", $"targ_tgid={Environment.ProcessId}"], () => Touch(Path.Combine(_dir.FullName, _marker)), r => HexContains(r, _marker));

    [KernelFact]
    public async Task Statsnoop_sees_a_path_the_test_stat_ed() =>
        await Run("bcc-libbpf-tools/statsnoop.bpf.c", ["--set", $"target_pid={Environment.ProcessId}"], () => Stat(Path.Combine(_dir.FullName, _marker)), r => HexContains(r, _marker));

    [KernelFact]
    public async Task Syncsnoop_skips_the_variant_this_kernel_lacks_and_sees_a_sync()
    {
        var sync = Path.Combine(_dir.FullName, _marker);
        File.Copy("/bin/sync", sync);
        var (records, error) = await RunWithError("bcc-libbpf-tools/syncsnoop.bpf.c", [], () => TraceExecTests.Exec(sync), r => HexContains(r, _marker));
        Assert.Contains("mbpf: not loaded: tracepoint__syscalls__sys_enter_sync_file_range2: the kernel has no tracepoint", error);
        Assert.NotEmpty(records);
    }

    [KernelFact]
    public async Task Runqslower_runs_the_variant_it_is_told_to() =>
        await Run("bcc-libbpf-tools/runqslower.bpf.c", ["--attach", "handle_sched_wakeup", "handle_sched_wakeup_new", "handle_sched_switch", "--set", "min_us=0"],
            ExecMarker, _ => true, count: 3);

    [KernelFact]
    public async Task Profile_samples_every_cpu_at_the_frequency_given() =>
        await Run("libbpf-bootstrap/profile.bpf.c", ["--sample-frequency", "99"], () => Task.CompletedTask, _ => true, count: 3);

    [KernelFact]
    public void A_tool_that_streams_nothing_has_its_maps_printed_when_the_run_stops()
    {
        // syscount counts system calls per syscall number in a HASH of struct data_t, which its user space prints at the end.
        var (code, output, error) = Mbpf.Run("run", CorpusBuild.Objects.Single(s => s.Name == "bcc-libbpf-tools/syscount.bpf.c").ObjectPath!, "--duration", "1");

        Assert.True(code == 0, error);
        Assert.Contains("no ring or perf buffer to stream: the maps are printed when the run stops", error);
        var counts = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("map").GetString() == "data").ToList();
        Assert.NotEmpty(counts);
        Assert.All(counts, e => Assert.True(e.GetProperty("key").GetUInt32() < 1024));
        Assert.True(counts.Sum(e => e.GetProperty("value").GetProperty("count").GetInt64()) > 0);
    }

    [KernelFact]
    public void Maps_a_tool_sizes_at_run_time_are_sized_on_the_command_line()
    {
        // cpudist leaves max_entries 0 for 'start' and 'hists' (its user space sets them): the kernel refuses 0.
        var cpudist = CorpusBuild.Objects.Single(s => s.Name == "bcc-libbpf-tools/cpudist.bpf.c").ObjectPath!;
        var (code, _, error) = Mbpf.Run("run", cpudist, "--duration", "1");
        Assert.NotEqual(0, code);
        Assert.Contains("HASH maps need max_entries > 0", error);

        (code, var output, error) = Mbpf.Run("run", cpudist, "--max-entries", "start=10240", "hists=10240", "--duration", "1");
        Assert.True(code == 0, error);
        var hists = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("map").GetString() == "hists").ToList();
        Assert.NotEmpty(hists);
        Assert.True(hists.Sum(h => h.GetProperty("value").GetProperty("slots").EnumerateArray().Sum(s => s.GetInt64())) > 0);
    }

    /// <summary>
    /// Every corpus object that compiles: it runs and prints records while a workload exercises the system (execs,
    /// file writes with fsync, stats, syncs, a TCP connection on loopback, a tmpfs mount), or it says why it cannot:
    /// refused at load as libbpf refuses it, or none of its programs attachable here, each with its reason.
    /// </summary>
    [KernelFact]
    public async Task Every_corpus_object_runs_and_prints_records_or_says_why_it_cannot()
    {
        using var stop = new CancellationTokenSource();
        var workload = Task.Run(() => Workload(stop.Token));
        var table = new StringBuilder("object | exit | records | outcome\n");
        var failures = new List<string>();
        try
        {
            foreach (var source in CorpusBuild.Objects)
            {
                var (code, output, error) = Mbpf.Run("run", source.ObjectPath!, "--duration", "2", "--sample-frequency", "49");
                var records = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
                if (code == 0 && records == 0)
                {
                    // A busy machine can delay the workload's events past a short run: one longer run before judging.
                    (code, output, error) = Mbpf.Run("run", source.ObjectPath!, "--duration", "8", "--sample-frequency", "49");
                    records = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
                }

                var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                var outcome = code == 0 ? lines.FirstOrDefault(l => l.Contains(" attached; ", StringComparison.Ordinal)) ?? "?" : lines.LastOrDefault() ?? "?";
                table.AppendLine($"{source.Name} | {code} | {records} | {outcome}");
                // Objects libbpf refuses fail at load as the conformance test expects; the rest run, or say that nothing
                // could be attached and why for each program. A crash never passes; a run that printed nothing must be
                // one whose events this workload does not cause (listed, with the reason).
                var explained = code == 0
                    || error.Contains("could be attached (see the lines above)", StringComparison.Ordinal)
                    || error.Contains("BPF_MAP_CREATE", StringComparison.Ordinal)
                    || error.Contains("verifier", StringComparison.Ordinal);
                if (error.Contains("   at ", StringComparison.Ordinal) || !explained)
                    failures.Add($"{source.Name}: exit {code}: {error}");
                else if (code == 0 && records == 0 && !Quiet.ContainsKey(source.Name))
                    failures.Add($"{source.Name}: ran and printed nothing: {error}");
            }
        }
        finally
        {
            await stop.CancelAsync();
            await workload;
        }

        log.WriteLine(table.ToString());
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>Objects that run here but whose events the workload cannot cause, and why.</summary>
    private static readonly Dictionary<string, string> Quiet = new()
    {
        ["bcc-libbpf-tools/drsnoop.bpf.c"] = "direct reclaim happens only under memory pressure",
        ["bcc-libbpf-tools/tcpconnlat.bpf.c"] = "the programs that see a connect start are fentry and kprobes, which this kernel lacks; the one that attaches only completes what they start",
        ["bcc-libbpf-tools/biotop.bpf.c"] = "its start times come from kprobe/blk_mq_start_request, which this kernel cannot attach; its tp_btf programs only note who issued a request, an entry that lives while the request is in flight",
        ["libbpf-bootstrap/minimal_legacy.bpf.c"] = "it writes only with bpf_printk, and only for the pid its user space puts in my_pid_map",
    };

    /// <summary>
    /// What the tools trace, over and over until stopped: each kind of event in a loop of its own, so that a slow one
    /// (a sync behind other writers on a busy machine) does not hold the others back.
    /// </summary>
    private async Task Workload(CancellationToken token)
    {
        var file = Path.Combine(_dir.FullName, "fsync");
        var mount = _dir.CreateSubdirectory("mnt").FullName;
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        await Task.WhenAll(
            Loop(ExecMarker),
            Loop(async () =>
            {
                await using var stream = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough);
                await stream.WriteAsync(new byte[64 * 1024], token);
                stream.Flush(flushToDisk: true);
                _ = File.Exists(file);
            }),
            Loop(() => TraceExecTests.Exec("/bin/sync")),
            Loop(async () =>
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync(System.Net.IPAddress.Loopback, port, token);
                using var accepted = await listener.AcceptTcpClientAsync(token);
            }),
            Loop(async () =>
            {
                await TraceExecTests.Exec("/bin/mount", "-t", "tmpfs", "none", mount);
                await TraceExecTests.Exec("/bin/umount", mount);
            }));

        async Task Loop(Func<Task> step)
        {
            try
            {
                while (!token.IsCancellationRequested)
                {
                    await step();
                    await Task.Delay(10, token);
                }
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }
    }

    private async Task ExecMarker()
    {
        var path = Path.Combine(_dir.FullName, _marker);
        if (!File.Exists(path))
            File.Copy("/bin/true", path);
        await TraceExecTests.Exec(path);
    }

    private static Task Touch(string path)
    {
        File.WriteAllText(path, "");
        return Task.CompletedTask;
    }

    private static Task Stat(string path)
    {
        _ = File.Exists(path); // a stat system call; the path need not exist
        return Task.CompletedTask;
    }

    private async Task<List<JsonElement>> Run(string source, string[] options, Func<Task> workload, Func<JsonElement, bool> expected, int count = 0) =>
        (await RunWithError(source, options, workload, expected, count)).Records;

    /// <summary>
    /// Runs the object until a record the workload caused arrives (or <paramref name="count"/> records when the check
    /// accepts any), repeating the workload until then, within the session bound.
    /// </summary>
    private async Task<(List<JsonElement> Records, string Error)> RunWithError(string source, string[] options, Func<Task> workload, Func<JsonElement, bool> expected, int count = 0)
    {
        var obj = CorpusBuild.Objects.Single(s => s.Name == source).ObjectPath!;
        using var session = ToolSession.Mbpf(["run", obj, "--duration", "120", .. options]);
        await session.WaitForError("streaming");
        // Each line is parsed once: a busy machine can make a tracer print thousands of records while the test waits.
        var records = new List<JsonElement>();
        var deadline = DateTime.UtcNow + ToolSession.Bound;
        bool Done() => count > 0 ? records.Count >= count : records.Any(expected);
        while (DateTime.UtcNow < deadline)
        {
            await workload();
            foreach (var line in session.Output.Skip(records.Count))
                records.Add(JsonDocument.Parse(line).RootElement.Clone());
            if (Done())
                break;
            var seen = records.Count;
            await session.WaitFor(() => session.OutputCount > seen, "another record");
        }

        log.WriteLine(session.Error);
        Assert.True(Done(), $"no record of the workload among {records.Count}; mbpf said: {session.Error}");
        return (records, session.Error);
    }

    private static string? Value(JsonElement record, string member) =>
        record.TryGetProperty("value", out var value) && value.TryGetProperty(member, out var field) ? field.GetString() : null;

    private static bool HexContains(JsonElement record, string text) =>
        record.TryGetProperty("hex", out var hex) && hex.GetString()!.Contains(Convert.ToHexString(Encoding.ASCII.GetBytes(text)), StringComparison.OrdinalIgnoreCase);
}
