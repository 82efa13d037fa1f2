using System.CommandLine;
using ManagedBpf.Buffers;
using ManagedBpf.Buffers.Perf;
using ManagedBpf.Buffers.Ring;
using ManagedBpf.Kernel;
using ManagedBpf.Loader;
using ManagedBpf.Loader.Btf;
using ManagedBpf.Maps;

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
            Description = "'all' (the default): every program whose section names a target, as a libbpf skeleton attaches; or the names of the programs to attach.",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => ["all"],
        };
        var rings = new Option<string[]>("--ring") { Description = "A BPF_MAP_TYPE_RINGBUF map to stream (repeatable). Without --ring and --perf: every ring and perf buffer map of the object.", AllowMultipleArgumentsPerToken = true };
        var perfs = new Option<string[]>("--perf") { Description = "A BPF_MAP_TYPE_PERF_EVENT_ARRAY map to stream, one perf buffer per CPU (repeatable).", AllowMultipleArgumentsPerToken = true };
        var type = new Option<string?>("--type") { Description = "Decode each record as this type of the object's BTF (e.g. 'event' or 'struct event'); without it, records are printed in hex." };
        var set = new Option<string[]>("--set") { Description = "VAR=VALUE: set a global variable (const volatile configuration included) before loading; integers, bools, enums by name, floats, char arrays.", AllowMultipleArgumentsPerToken = true };
        var duration = new Option<double>("--duration") { Description = "Stop after this many seconds (default: until Ctrl-C)." };
        var count = new Option<long>("--count") { Description = "Stop after this many records." };
        var command = new Command("run", "Load an object, set its variables, attach its programs and stream its ring/perf buffers as JSON lines.")
        {
            path, attach, rings, perfs, type, set, duration, count,
        };
        command.SetAction((result, token) => CliErrors.RunAsync(() => Run(
            new RunRequest(
                result.GetValue(path)!, result.GetValue(attach) ?? ["all"], result.GetValue(rings) ?? [], result.GetValue(perfs) ?? [],
                result.GetValue(type), result.GetValue(set) ?? [], result.GetValue(duration), result.GetValue(count)),
            token)));
        return command;
    }

    private static async Task Run(RunRequest request, CancellationToken token)
    {
        var spec = ObjectSpec.Open(request.Object.FullName);
        foreach (var assignment in request.Assignments)
            Assign(spec, assignment);
        var decoder = request.Type is null ? null : BtfValueWriter.ForType(RequireBtf(spec, "--type"), request.Type);
        var (ringNames, perfNames) = Streams(spec, request);

        using var collection = spec.Load();
        using var links = request.Attach is ["all"] ? collection.AttachAll() : collection.Attach(request.Attach);
        foreach (var skipped in links.Skipped)
            Console.Error.WriteLine($"mbpf: not attached: {skipped.Program.Name}: {skipped.SkipReason}");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        if (request.Seconds > 0)
            stop.CancelAfter(TimeSpan.FromSeconds(request.Seconds));

        var ringMaps = ringNames.Select(name => (Name: name, Map: StreamMap(collection, name, BpfMapType.RINGBUF, "--ring"))).ToList();
        var perfMaps = perfNames.Select(name => (Name: name, Map: StreamMap(collection, name, BpfMapType.PERF_EVENT_ARRAY, "--perf"))).ToList();
        using var ringSet = new RingBufferSet();
        var perfBuffers = new List<(string Name, PerfBuffer Buffer)>();
        try
        {
            foreach (var (name, map) in perfMaps)
                perfBuffers.Add((name, new PerfBuffer(map)));
            using var status = new StatusLine(ringMaps.Count == 0 ? null : () => Fill(ringSet));
            using var printer = new RecordPrinter(decoder, status, request.Count, stop);
            foreach (var (name, map) in ringMaps)
                ringSet.Add(map, payload => printer.Record(name, null, payload));
            Console.Error.WriteLine(
                $"mbpf: {links.Links.Count} program(s) attached; streaming {string.Join(", ", ringNames.Select(n => $"ring '{n}'").Concat(perfNames.Select(n => $"perf '{n}'")))} (Ctrl-C to stop)");

            var readers = perfBuffers.Select(p => Task.Run(() => Read(printer, ct => p.Buffer.Poll(
                200, (cpu, payload) => printer.Record(p.Name, cpu, payload), (cpu, lost) => printer.Lost(p.Name, cpu, lost), Report, ct), stop.Token), CancellationToken.None)).ToList();
            if (ringMaps.Count > 0)
                readers.Add(Task.Run(() => Read(printer, ct => ringSet.Poll(200, RingCommitPolicy.PerRecord, ct), stop.Token), CancellationToken.None));
            await Task.WhenAll(readers).ConfigureAwait(false);
        }
        finally
        {
            foreach (var (_, buffer) in perfBuffers)
                buffer.Dispose();
        }
    }

    /// <summary>Polls until cancelled, flushing the output after every batch; a corrupted ring is reported and read on.</summary>
    private static void Read<T>(RecordPrinter printer, Func<CancellationToken, T> poll, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                poll(stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (RingCorruptedException e)
            {
                Console.Error.WriteLine($"mbpf: {e.Message}");
            }

            printer.Flush();
        }
    }

    private static void Report(in PerfCorruption corruption) => Console.Error.WriteLine($"mbpf: {corruption}");

    private static double Fill(RingBufferSet rings)
    {
        double fullest = 0;
        for (var i = 0; i < rings.Count; i++)
            fullest = Math.Max(fullest, (double)rings[i].AvailableBytes / rings[i].Size);
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
        catch (FormatException e)
        {
            throw new FormatException($"--set {variable.Name}: {e.Message}", e);
        }
    }

    private static BtfSpec RequireBtf(ObjectSpec spec, string option) =>
        spec.Btf ?? throw new InvalidOperationException($"{option} needs the object's BTF, and '{spec.Name}' has none (compile with clang -g).");

    /// <summary>The maps to stream: those named, or every ring and perf buffer map of the object.</summary>
    private static (List<string> Rings, List<string> Perfs) Streams(ObjectSpec spec, RunRequest request)
    {
        if (request.Rings.Length > 0 || request.Perfs.Length > 0)
            return ([.. request.Rings], [.. request.Perfs]);
        var rings = spec.Maps.Where(m => m.Spec.Type == BpfMapType.RINGBUF).Select(m => m.Name).ToList();
        var perfs = spec.Maps.Where(m => m.Spec.Type == BpfMapType.PERF_EVENT_ARRAY).Select(m => m.Name).ToList();
        if (rings.Count + perfs.Count == 0)
            throw new InvalidOperationException($"'{spec.Name}' has no BPF_MAP_TYPE_RINGBUF or BPF_MAP_TYPE_PERF_EVENT_ARRAY map to stream.");
        return (rings, perfs);
    }

    private static Map StreamMap(Collection collection, string name, BpfMapType type, string option)
    {
        var map = collection.Map(name);
        if (map.Type != type)
            throw new ArgumentException($"{option} {name}: the map is a {map.Type}, not a {type}.");
        return map;
    }

    private sealed record RunRequest(
        FileInfo Object, string[] Attach, string[] Rings, string[] Perfs, string? Type, string[] Assignments, double Seconds, long Count);
}
