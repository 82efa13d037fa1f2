using System.CommandLine;
using System.Text.Json;
using ManagedBpf.Buffers.Ordering;
using ManagedBpf.Buffers.Perf;
using ManagedBpf.Buffers.Ring;
using ManagedBpf.Loader;
using ManagedBpf.Programs;

namespace ManagedBpf.Cli;

/// <summary>
/// <c>mbpf trace exec</c>: every execve on the machine, from a built-in program, through a ring buffer or
/// (<c>--via perf</c>) per-CPU perf buffers — the two transports side by side.
/// </summary>
internal static class TraceCommand
{
    internal static Command Create()
    {
        var via = new Option<string>("--via") { Description = "ring (one shared ring buffer) or perf (per-CPU perf buffers).", DefaultValueFactory = _ => "ring" };
        via.AcceptOnlyFromAmong("ring", "perf");
        var json = new Option<bool>("--json") { Description = "One JSON object per event." };
        var duration = new Option<double>("--duration") { Description = "Stop after this many seconds (default: until Ctrl-C)." };
        var ordered = new Option<bool>("--ordered") { Description = "With --via perf: merge the per-CPU buffers by sample time, so events arrive in time order." };
        var exec = new Command("exec", "Report every execve: pid, ppid, uid, command, filename, arguments and return code.") { via, json, duration, ordered };
        exec.Validators.Add(result =>
        {
            if (result.GetValue(ordered) && result.GetValue(via) != "perf")
                result.AddError("--ordered applies to --via perf: a single ring buffer is already in order.");
        });
        exec.SetAction((result, token) => CliErrors.RunAsync(() => TraceExec(result.GetValue(via) == "perf", result.GetValue(ordered), result.GetValue(json), result.GetValue(duration), token)));
        return new Command("trace", "Run a built-in tracing program.") { exec };
    }

    private static async Task TraceExec(bool viaPerf, bool ordered, bool asJson, double seconds, CancellationToken token)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        if (seconds > 0)
            stop.CancelAfter(TimeSpan.FromSeconds(seconds));
        using var stream = typeof(TraceCommand).Assembly.GetManifestResourceStream("exec_trace.bpf.o")
            ?? throw new InvalidOperationException("The built-in exec_trace object is missing from the tool.");
        using var image = new MemoryStream();
        await stream.CopyToAsync(image, stop.Token).ConfigureAwait(false);

        var spec = ObjectSpec.Parse(image.ToArray(), "exec_trace");
        spec.Variable("use_ringbuf").Set(viaPerf ? (byte)0 : (byte)1);
        using var collection = spec.Load();
        using var links = collection.AttachAll(); // both programs are tracepoints: their sections name the targets
        await Stream(collection, viaPerf, ordered, asJson, stop.Token).ConfigureAwait(false);
    }

    private static async Task Stream(Collection collection, bool viaPerf, bool ordered, bool asJson, CancellationToken stop)
    {
        using var perf = viaPerf
            ? new PerfBuffer(collection.Map("events_perf"), ordered ? new PerfBufferOptions { Layout = PerfSampleLayout.TimeAndRaw } : null)
            : null;
        using var rings = viaPerf ? null : new RingBufferSet();
        var ring = rings?[rings.Add(collection.Map("events_ring"))];
        using var status = new StatusLine(ring is null ? () => (double)perf!.MaxAvailableBytes / perf.DataSize : () => (double)ring.AvailableBytes / ring.Size);
        long events;
        using (var output = new EventPrinter(asJson, status))
        {
            events = perf is null ? await output.Drain(rings!.ReadAllAsync(stop)).ConfigureAwait(false)
                : ordered ? await Task.Run(() => output.DrainOrdered(perf, stop), stop).ConfigureAwait(false)
                : await output.Drain(perf.ReadAllAsync(cancellationToken: stop)).ConfigureAwait(false);
        }

        status.Dispose(); // the totals, then what the producer dropped
        Console.Error.WriteLine($"mbpf: {events} exec events, {collection.ReadVariable<ulong>("dropped")} dropped by the producer");
    }

    /// <summary>
    /// Prints events as execsnoop does, or as JSON lines through one reused writer, one flushed line per event,
    /// under the status line's lock. A closed stdout (<c>mbpf trace exec | head</c>) ends the trace.
    /// </summary>
    private sealed class EventPrinter : IDisposable
    {
        private readonly Stream _stdout = StandardOutput.Open();
        private readonly StreamWriter _text;
        private readonly bool _asJson;
        private readonly StatusLine _status;
        private Utf8JsonWriter? _json;

        internal EventPrinter(bool asJson, StatusLine status)
        {
            (_asJson, _status) = (asJson, status);
            _text = new StreamWriter(_stdout, leaveOpen: true) { AutoFlush = true };
            if (!_asJson)
                _text.WriteLine($"{"TIME",-8} {"PCOMM",-16} {"PID",7} {"PPID",7} {"UID",6} {"RET",4} ARGS");
        }

        public void Dispose()
        {
            try
            {
                _json?.Dispose();
                _text.Dispose();
            }
            catch (IOException)
            {
                // Stdout is closed: nothing to flush to.
            }

            _stdout.Dispose();
        }

        internal async Task<long> Drain(IAsyncEnumerable<byte[]> records)
        {
            long count = 0;
            try
            {
                await foreach (var record in records.ConfigureAwait(false))
                {
                    if (ExecEvent.Decode(record) is not { } e)
                        continue;
                    count++;
                    Print(e);
                }
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C or --duration: detach and report totals.
            }
            catch (IOException)
            {
                // Nobody reads stdout any more.
            }

            return count;
        }

        /// <summary>Merges the per-CPU buffers by PERF_SAMPLE_TIME; an idle CPU holds events back at most 100 ms of sample time.</summary>
        internal long DrainOrdered(PerfBuffer perf, CancellationToken stop)
        {
            long count = 0;
            using var reader = new OrderedPerfReader(perf, (_, time, payload) =>
            {
                if (ExecEvent.Decode(payload) is { } e)
                {
                    count++;
                    Print(e, time);
                }
            }, new PerfOrderingOptions { MaxDelay = 100_000_000 });
            try
            {
                while (true)
                    reader.Poll(200, stop);
            }
            catch (OperationCanceledException)
            {
                reader.Flush();
            }
            catch (IOException)
            {
                // Nobody reads stdout any more.
            }

            return count;
        }

        /// <param name="e">The event.</param>
        /// <param name="sampleTime">With --ordered, the PERF_SAMPLE_TIME the events are merged by (JSON: <c>sample_time_ns</c>).</param>
        private void Print(ExecEvent e, ulong? sampleTime = null)
        {
            lock (_status.Gate)
            {
                _status.ClearLocked();
                if (_asJson)
                    PrintJson(e, sampleTime);
                else
                    _text.WriteLine($"{DateTime.Now:HH:mm:ss} {e.Comm,-16} {e.Pid,7} {e.Ppid,7} {e.Uid,6} {e.ReturnValue,4} {e.FileName} {string.Join(' ', e.Arguments)}");
            }
        }

        private void PrintJson(ExecEvent e, ulong? sampleTime)
        {
            var writer = _json ??= new Utf8JsonWriter(_stdout);
            writer.Reset();
            writer.WriteStartObject();
            writer.WriteNumber("timestamp_ns"u8, e.TimestampNs);
            if (sampleTime is { } time)
                writer.WriteNumber("sample_time_ns"u8, time);
            writer.WriteNumber("pid"u8, e.Pid);
            writer.WriteNumber("ppid"u8, e.Ppid);
            writer.WriteNumber("uid"u8, e.Uid);
            writer.WriteNumber("retval"u8, e.ReturnValue);
            writer.WriteString("comm"u8, e.Comm);
            writer.WriteString("filename"u8, e.FileName);
            writer.WriteStartArray("args"u8);
            foreach (var arg in e.Arguments)
                writer.WriteStringValue(arg);
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.Flush();
            _stdout.WriteByte((byte)'\n');
            _stdout.Flush();
        }
    }
}
