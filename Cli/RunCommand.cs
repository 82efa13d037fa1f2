using System.CommandLine;
using ManagedBpf.Buffers;
using ManagedBpf.Buffers.Perf;
using ManagedBpf.Buffers.Ring;
using ManagedBpf.Kernel;
using ManagedBpf.Loader;
using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Cli;

/// <summary>
/// <c>mbpf run OBJ</c>: loads any object, sets its global variables, attaches its programs as their sections
/// say, and streams the records of its ring and perf buffers as JSON lines, decoded with the object's own BTF.
/// </summary>
internal static class RunCommand
{
    internal static Command Create()
    {
        var path = new Argument<FileInfo>("object") { Description = "A clang-compiled BPF object (.bpf.o)." };
        var attach = new Option<string[]>("--attach")
        {
            Description = "'all' (the default): every program this kernel can attach, each one it cannot skipped with a warning; or the names of the programs to load and attach (the others are not loaded).",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => ["all"],
        };
        var rings = new Option<string[]>("--ring") { Description = "A BPF_MAP_TYPE_RINGBUF map to stream (repeatable). Without --ring and --perf: every ring and perf buffer map of the object; an object with none has its maps printed when the run stops.", AllowMultipleArgumentsPerToken = true };
        var perfs = new Option<string[]>("--perf") { Description = "A BPF_MAP_TYPE_PERF_EVENT_ARRAY map to stream, one perf buffer per CPU (repeatable).", AllowMultipleArgumentsPerToken = true };
        var type = new Option<string?>("--type") { Description = "Decode each record as this type of the object's BTF (e.g. 'event' or 'struct event'); without it, records are printed in hex." };
        var set = new Option<string[]>("--set") { Description = "VAR=VALUE: set a global variable (const volatile configuration included) before loading; integers, bools, enums by name, floats, char arrays.", AllowMultipleArgumentsPerToken = true };
        var duration = NumberOption.Seconds("--duration", "Stop after this many seconds of streaming, counted from the attach (default: until Ctrl-C).");
        var count = NumberOption.Integer("--count", "Stop after printing this many records (default 0: no limit).", 0L, long.MaxValue, 0L);
        var frequency = NumberOption.Integer("--sample-frequency", "perf_event programs: run about this many times a second on every online CPU's cpu-clock.", 0UL, 1_000_000UL, 0UL);
        var period = NumberOption.Integer("--sample-period", "perf_event programs: run every this many nanoseconds of each online CPU's cpu-clock.", 0UL, ulong.MaxValue, 0UL);
        var uprobes = UprobeTarget.Option();
        var usdts = UsdtTarget.Option();
        var maxEntries = MaxEntriesOption.Create();
        var pid = NumberOption.Integer("--pid", "Only this process fires the uprobes, USDT probes and perf_event programs whose targets come from the command line (default -1: every process).", -1, int.MaxValue, -1);
        var command = new Command("run", "Load an object, set its variables, attach its programs and stream its ring/perf buffers as JSON lines.")
        {
            path, attach, rings, perfs, type, set, duration, count, frequency, period, uprobes, usdts, pid, maxEntries,
        };
        command.Validators.Add(result =>
        {
            // Presence, not values: reading a value whose conversion failed throws (see NumberOption).
            if (result.GetResult(frequency) is { Implicit: false } && result.GetResult(period) is { Implicit: false })
                result.AddError("--sample-frequency and --sample-period: give one of them, not both.");
        });
        command.SetAction((result, token) => CliErrors.RunAsync(() => Run(
            new RunRequest(
                result.GetValue(path)!,
                new RunAttach([.. (result.GetValue(attach) ?? ["all"]).Distinct()], result.GetValue(frequency), result.GetValue(period), result.GetValue(uprobes) ?? [], result.GetValue(pid), result.GetValue(usdts) ?? []),
                [.. (result.GetValue(rings) ?? []).Distinct()], [.. (result.GetValue(perfs) ?? []).Distinct()], result.GetValue(type), result.GetValue(set) ?? [],
                result.GetValue(maxEntries) ?? [], result.GetValue(duration), result.GetValue(count)),
            token)));
        return command;
    }

    private static async Task Run(RunRequest request, CancellationToken token)
    {
        // Everything the command line names is checked against the object before anything is loaded.
        var spec = ObjectSpec.Open(request.Object.FullName);
        foreach (var assignment in request.Assignments)
            Assign(spec, assignment);
        MaxEntriesOption.Apply(spec, request.MaxEntries);
        var decoder = request.Type is null ? null : Decoder(spec, request.Type);
        var (ringNames, perfNames) = Streams(spec, request);
        request.Attach.ChoosePrograms(spec, Console.Error);

        using var collection = spec.Load();
        using var ringSet = new RingBufferSet();
        var perfBuffers = new List<(string Name, PerfBuffer Buffer)>();
        try
        {
            foreach (var name in perfNames)
                perfBuffers.Add((name, new PerfBuffer(collection.Map(name))));
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
            using var status = new StatusLine(() => Fill(ringSet, perfBuffers));
            using var printer = new RecordPrinter(decoder, status, request.Count, stop);
            status.Printed = () => printer.Printed;
            foreach (var name in ringNames)
                ringSet.Add(collection.Map(name), payload => printer.Record(name, null, payload));
            var polls = perfBuffers.Select(p => (Func<CancellationToken, object>)(ct => p.Buffer.Poll(
                200, (cpu, payload) => printer.Record(p.Name, cpu, payload), (cpu, lost) => printer.Lost(p.Name, cpu, lost), Report, ct))).ToList();
            if (ringNames.Count > 0)
                polls.Add(ct => ringSet.Poll(200, RingCommitPolicy.PerRecord, ct));

            // Attached last and detached first: every record the programs write lands in a buffer that is read.
            using var links = request.Attach.Attach(collection, Console.Error);
            if (request.Seconds > 0)
                stop.CancelAfter(TimeSpan.FromSeconds(request.Seconds));
            status.Start();
            if (polls.Count == 0)
            {
                Console.Error.WriteLine($"mbpf: {links.Count} program(s) attached; no ring or perf buffer to stream: the maps are printed when the run stops (Ctrl-C to stop)");
                await WaitUntilStopped(stop.Token).ConfigureAwait(false);
                links.Dispose();
                MapDump.Print(collection, printer);
                return;
            }

            Console.Error.WriteLine(
                $"mbpf: {links.Count} program(s) attached; streaming {string.Join(", ", ringNames.Select(n => $"ring '{n}'").Concat(perfNames.Select(n => $"perf '{n}'")))} (Ctrl-C to stop)");

            var readers = polls.Select(poll => Task.Factory.StartNew(
                () => Read(printer, poll, stop), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToList();
            await Task.WhenAll(readers).ConfigureAwait(false);

            // Detach, then read what arrived before the links went (the printer still honours --count).
            links.Dispose();
            DrainRest(printer, ringSet, perfBuffers);
        }
        finally
        {
            foreach (var (_, buffer) in perfBuffers)
                buffer.Dispose();
        }
    }

    private static async Task WaitUntilStopped(CancellationToken token)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C or --duration: time to print.
        }
    }

    private static void DrainRest(RecordPrinter printer, RingBufferSet rings, List<(string Name, PerfBuffer Buffer)> perfBuffers)
    {
        try
        {
            if (rings.Count > 0)
                rings.ConsumeAll();
            foreach (var (name, buffer) in perfBuffers)
                buffer.ConsumeAll((cpu, payload) => printer.Record(name, cpu, payload), (cpu, lost) => printer.Lost(name, cpu, lost), Report);
            printer.Flush();
        }
        catch (IOException)
        {
            // Stdout closed: nothing more to say.
        }
    }

    /// <summary>
    /// Polls until cancelled, flushing the output after every batch. Whatever ends one reader ends them all: a closed
    /// stdout quietly (as SIGPIPE ends bpftool), anything else (a corrupted ring, a failed syscall) with its error.
    /// </summary>
    private static void Read(RecordPrinter printer, Func<CancellationToken, object> poll, CancellationTokenSource stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                poll(stop.Token);
                printer.Flush();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Ctrl-C, --duration or --count.
        }
        catch (IOException)
        {
            stop.Cancel();
        }
        catch
        {
            stop.Cancel();
            throw;
        }
    }

    private static void Report(in PerfCorruption corruption) => Console.Error.WriteLine($"mbpf: {corruption}");

    /// <summary>The fullest buffer's fill, 0 to 1: ring buffers and every CPU ring of the perf buffers.</summary>
    private static double Fill(RingBufferSet rings, List<(string Name, PerfBuffer Buffer)> perfBuffers)
    {
        double fullest = 0;
        for (var i = 0; i < rings.Count; i++)
            fullest = Math.Max(fullest, (double)rings[i].AvailableBytes / rings[i].Size);
        foreach (var (_, buffer) in perfBuffers)
            fullest = Math.Max(fullest, (double)buffer.MaxAvailableBytes / buffer.DataSize);
        return fullest;
    }

    private static void Assign(ObjectSpec spec, string assignment)
    {
        var equals = assignment.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
            throw new FormatException($"--set '{assignment}': write VAR=VALUE.");
        var variable = spec.Variable(assignment[..equals]);
        try
        {
            BtfValueParser.Parse(RequireBtf(spec, "--set"), variable.BtfTypeId, assignment[(equals + 1)..], variable.Bytes);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new FormatException($"--set {variable.Name}: {e.Message}", e);
        }
    }

    private static BtfSpec RequireBtf(ObjectSpec spec, string option) =>
        spec.Btf ?? throw new InvalidOperationException($"{option} needs the object's BTF, and '{spec.Name}' has none (compile with clang -g).");

    /// <summary>The maps to stream: those named (checked to exist and be of the right type), or every ring and perf buffer map of the object.</summary>
    private static (List<string> Rings, List<string> Perfs) Streams(ObjectSpec spec, RunRequest request)
    {
        if (request.Rings.Length > 0 || request.Perfs.Length > 0)
        {
            foreach (var (names, type, option) in new[] { (request.Rings, BpfMapType.RINGBUF, "--ring"), (request.Perfs, BpfMapType.PERF_EVENT_ARRAY, "--perf") })
            {
                foreach (var name in names)
                {
                    if (spec.Map(name).Spec.Type != type)
                        throw new ArgumentException($"{option} {name}: the map is a {spec.Map(name).Spec.Type}, not a {type}.");
                }
            }

            return ([.. request.Rings], [.. request.Perfs]);
        }

        // An object with neither (a histogram tool) streams nothing: its maps are printed when the run stops.
        var rings = spec.Maps.Where(m => m.Spec.Type == BpfMapType.RINGBUF).Select(m => m.Name).ToList();
        var perfs = spec.Maps.Where(m => m.Spec.Type == BpfMapType.PERF_EVENT_ARRAY).Select(m => m.Name).ToList();
        return (rings, perfs);
    }

    /// <summary>
    /// The --type decoder. clang emits BTF only for types that reach a function signature, a global or a map, and a
    /// record built on the stack reaches none (libbpf-tools' <c>struct event</c>, often): say so, with the idiom.
    /// </summary>
    private static BtfValueWriter Decoder(ObjectSpec spec, string type)
    {
        var btf = RequireBtf(spec, "--type");
        try
        {
            return BtfValueWriter.ForType(btf, type);
        }
        catch (KeyNotFoundException e)
        {
            var name = type.StartsWith("struct ", StringComparison.Ordinal) || type.StartsWith("union ", StringComparison.Ordinal) ? type : $"struct {type}";
            throw new KeyNotFoundException(
                $"{e.Message} clang emits BTF only for types that reach a function signature, a global variable or a map, and a record built on the stack reaches none: " +
                $"add `const {name} *unused_{name[(name.IndexOf(' ', StringComparison.Ordinal) + 1)..]} __attribute__((unused));` to the BPF source and rebuild.", e);
        }
    }

    private sealed record RunRequest(
        FileInfo Object, RunAttach Attach, string[] Rings, string[] Perfs, string? Type, string[] Assignments, (string Map, uint MaxEntries)[] MaxEntries, double Seconds, long Count);
}
