using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using ManagedBpf.Buffers;

namespace ManagedBpf.Cli;

/// <summary>
/// What the readers did, taken from their <see cref="BufferMetrics"/> counters (the same numbers
/// <c>dotnet-counters</c> would show): once a second a status line on stderr when stderr is a terminal
/// (records/s, bytes/s, lost, corrupted, ring fill), and the totals when the run ends.
/// </summary>
internal sealed class StatusLine : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Lock _gate = new();
    private readonly Func<double>? _fill;
    private readonly bool _show;
    private Timer? _timer;
    private long _start;
    private long _records, _bytes, _lost, _corrupted;
    private long _lastRecords, _lastBytes, _lastTick;
    private volatile bool _shown;
    private bool _disposed;

    /// <param name="fill">The fullest ring's fill, 0 to 1, or null when there is none to show.</param>
    /// <param name="show">Whether to show the per-second line; by default, when stderr is a terminal.</param>
    internal StatusLine(Func<double>? fill = null, bool? show = null)
    {
        _fill = fill;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == BufferMetrics.MeterName)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            switch (instrument.Name)
            {
                case BufferMetrics.RecordsName: Interlocked.Add(ref _records, value); break;
                case BufferMetrics.BytesName: Interlocked.Add(ref _bytes, value); break;
                case BufferMetrics.LostName: Interlocked.Add(ref _lost, value); break;
                case BufferMetrics.CorruptedName: Interlocked.Add(ref _corrupted, value); break;
            }
        });
        _listener.Start();
        _show = show ?? !Console.IsErrorRedirected;
    }

    /// <summary>
    /// The run has started (programs attached, buffers read): the time the totals report counts from here, the
    /// per-second line starts, and only a started run prints totals (a run that failed to start has none to give).
    /// </summary>
    internal void Start()
    {
        _start = _lastTick = Stopwatch.GetTimestamp();
        if (_show)
            _timer = new Timer(_ => Show(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Serialises the line with everything else written to the terminal: hold it while writing output.</summary>
    internal Lock Gate => _gate;

    internal long Records => Interlocked.Read(ref _records);

    /// <summary>
    /// What the tool printed, when that can be less than what the readers read (<c>--count</c> stops printing
    /// mid-batch): the totals then report the printed records, and the rest as read but not printed.
    /// </summary>
    internal Func<(long Records, long Bytes)>? Printed { get; set; }

    internal long Lost => Interlocked.Read(ref _lost);

    internal long Corrupted => Interlocked.Read(ref _corrupted);

    /// <summary>The line for the last second: rates since the previous line, totals of lost and corrupted.</summary>
    internal string Sample()
    {
        var now = Stopwatch.GetTimestamp();
        var seconds = Math.Max(Stopwatch.GetElapsedTime(_lastTick, now).TotalSeconds, 1e-3);
        var records = Records;
        var bytes = Interlocked.Read(ref _bytes);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{(records - _lastRecords) / seconds,10:N0} records/s {Bytes((bytes - _lastBytes) / seconds),10}/s  lost {Lost}  corrupted {Corrupted}{Fill()}");
        (_lastRecords, _lastBytes, _lastTick) = (records, bytes, now);
        return line;
    }

    /// <summary>Stops the line and prints the totals once the run has started (terminal or not).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
        }

        _timer?.Dispose();
        _listener.Dispose();
        Clear();
        if (_start == 0)
            return;

        var seconds = Stopwatch.GetElapsedTime(_start).TotalSeconds;
        var (records, bytes) = Printed?.Invoke() ?? (Records, Interlocked.Read(ref _bytes));
        var unprinted = Records - records;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"mbpf: {records} records ({Bytes(bytes)}) in {seconds:F1} s, {Lost} lost, {Corrupted} corrupted{(unprinted > 0 ? $", {unprinted} more read and not printed" : "")}"));
    }

    /// <summary>
    /// Erases the line, if shown, so that output to the same terminal starts on a clean line; the next tick draws
    /// it again. Costs a field read when nothing is shown.
    /// </summary>
    internal void Clear()
    {
        if (!_shown)
            return;
        lock (_gate)
            ClearLocked();
    }

    /// <summary><see cref="Clear"/>, for a caller that holds <see cref="Gate"/>.</summary>
    internal void ClearLocked()
    {
        if (!_shown)
            return;
        Console.Error.Write("\r\x1b[K");
        _shown = false;
    }

    private void Show()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            Console.Error.Write("\r\x1b[K" + Sample());
            _shown = true;
        }
    }

    /// <summary>The fill part of the line; empty without a fill, or once the buffers are gone (a tick racing the end).</summary>
    private string Fill()
    {
        try
        {
            return _fill is null ? "" : string.Create(CultureInfo.InvariantCulture, $"  ring fill {_fill():P0}");
        }
        catch (ObjectDisposedException)
        {
            return "";
        }
    }

    private static string Bytes(double bytes) => bytes switch
    {
        >= 1 << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1 << 30):F1} GiB"),
        >= 1 << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1 << 20):F1} MiB"),
        >= 1 << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1 << 10):F1} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes:F0} B"),
    };
}
