using System.Buffers;
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
    /// <summary>The start of the stderr line that says the programs are attached and the buffers are being read.</summary>
    internal const string ReadyLine = "mbpf: tracing execs through";

    internal static Command Create()
    {
        var via = new Option<string>("--via") { Description = "ring (one shared ring buffer) or perf (per-CPU perf buffers).", DefaultValueFactory = _ => "ring" };
        via.AcceptOnlyFromAmong("ring", "perf");
        var json = new Option<bool>("--json") { Description = "One JSON object per event." };
        var duration = NumberOption.Seconds("--duration", "Stop after this many seconds of tracing, counted from the attach (default: until Ctrl-C).");
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
        using var stream = typeof(TraceCommand).Assembly.GetManifestResourceStream("exec_trace.bpf.o")
            ?? throw new InvalidOperationException("The built-in exec_trace object is missing from the tool.");
        using var image = new MemoryStream();
        await stream.CopyToAsync(image, token).ConfigureAwait(false);

        var spec = ObjectSpec.Parse(image.ToArray(), "exec_trace");
        spec.Variable("use_ringbuf").Set(viaPerf ? (byte)0 : (byte)1);
        using var collection = spec.Load();

        // The buffers exist before the programs attach, so no exec finds the perf event array empty; the links go first
        // (declared last), so every event the programs wrote is still read.
        using var perf = viaPerf
            ? new PerfBuffer(collection.Map("events_perf"), ordered ? new PerfBufferOptions { Layout = PerfSampleLayout.TimeAndRaw } : null)
            : null;
        using var rings = viaPerf ? null : new RingBufferSet();
        var ring = rings?[rings.Add(collection.Map("events_ring"))];
        using var links = collection.AttachAll(); // both programs' sections name their targets

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        using var status = new StatusLine(ring is null ? () => (double)perf!.MaxAvailableBytes / perf.DataSize : () => (double)ring.AvailableBytes / ring.Size);
        using (var output = new EventPrinter(asJson, status))
        {
            // --duration counts from here: attached, and about to read.
            if (seconds > 0)
                stop.CancelAfter(TimeSpan.FromSeconds(seconds));
            status.Start();
            Console.Error.WriteLine($"{ReadyLine} {(viaPerf ? "per-CPU perf buffers" : "a ring buffer")} (Ctrl-C to stop)");
            output.Header();
            var open = perf is null ? await output.Drain(rings!.ReadAllAsync(stop.Token)).ConfigureAwait(false)
                : ordered ? await Task.Run(() => output.DrainOrdered(perf, links, stop.Token), CancellationToken.None).ConfigureAwait(false)
                : await output.Drain(perf.ReadAllAsync(cancellationToken: stop.Token)).ConfigureAwait(false);

            // Detach, then print what the programs wrote before the links went.
            links.Dispose();
            if (open && !ordered)
                output.DrainRest(ring, perf);
            status.Dispose(); // the totals, then what the producer dropped
            Console.Error.WriteLine($"mbpf: {output.Count} exec events, {collection.ReadVariable<ulong>("dropped")} dropped by the producer");
        }
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
        private readonly ArrayBufferWriter<byte> _line = new(4096);
        private Utf8JsonWriter? _json;

        internal EventPrinter(bool asJson, StatusLine status)
        {
            (_asJson, _status) = (asJson, status);
            _text = new StreamWriter(_stdout, leaveOpen: true) { AutoFlush = true };
        }

        /// <summary>The column header of the text output (none for JSON lines).</summary>
        internal void Header()
        {
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

        /// <summary>The events printed.</summary>
        internal long Count { get; private set; }

        /// <summary>Prints the stream's events until it is cancelled; false when stdout closed first.</summary>
        internal async Task<bool> Drain(IAsyncEnumerable<byte[]> records)
        {
            try
            {
                await foreach (var record in records.ConfigureAwait(false))
                    Record(record);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C or --duration: detach, print the rest and the totals.
            }
            catch (IOException)
            {
                return false; // nobody reads stdout any more
            }

            return true;
        }

        /// <summary>After the links are gone: what the buffers still hold.</summary>
        internal void DrainRest(RingBuffer? ring, PerfBuffer? perf)
        {
            try
            {
                ring?.Consume(Record);
                perf?.ConsumeAll((_, payload) => Record(payload));
            }
            catch (IOException)
            {
                // Nobody reads stdout any more.
            }
        }

        /// <summary>Merges the per-CPU buffers by PERF_SAMPLE_TIME; an idle CPU holds events back at most 100 ms of sample time.</summary>
        /// <param name="perf">The per-CPU buffers.</param>
        /// <param name="links">Detached when the trace stops, before the last read releases every held event.</param>
        /// <param name="stop">Ctrl-C or --duration.</param>
        internal bool DrainOrdered(PerfBuffer perf, AutoAttachment links, CancellationToken stop)
        {
            using var reader = new OrderedPerfReader(perf, (_, time, payload) => Record(payload, time), new PerfOrderingOptions { MaxDelay = 100_000_000 });
            try
            {
                try
                {
                    while (true)
                        reader.Poll(200, stop);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl-C or --duration.
                }

                links.Dispose();
                reader.Flush();
            }
            catch (IOException)
            {
                return false; // nobody reads stdout any more
            }

            return true;
        }

        private void Record(ReadOnlySpan<byte> payload) => Record(payload, null);

        private void Record(ReadOnlySpan<byte> payload, ulong? sampleTime)
        {
            if (ExecEvent.Decode(payload) is not { } e)
                return;
            Count++;
            Print(e, sampleTime);
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
            // One line, one write(2): nothing written to the same file between the object and its newline.
            _line.ResetWrittenCount();
            var writer = _json ??= new Utf8JsonWriter(_line);
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
            _line.Write("\n"u8);
            _stdout.Write(_line.WrittenSpan);
        }
    }
}
