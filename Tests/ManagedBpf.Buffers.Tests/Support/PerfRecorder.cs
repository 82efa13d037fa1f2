using ManagedBpf.Buffers.Perf;

namespace ManagedBpf.Buffers.Tests.Support;

/// <summary>One thing a perf read handed to its handler, in order.</summary>
internal abstract record PerfReadEvent;

internal sealed record SampleEvent(int Cpu, ulong Position, ulong Time, byte[] Payload, bool Wrapped) : PerfReadEvent;

internal sealed record LostEvent(int Cpu, ulong Lost) : PerfReadEvent;

internal sealed record CorruptionEvent(PerfCorruption Report, string Message) : PerfReadEvent;

/// <summary>
/// A struct handler that records everything it gets, can stop after a number of samples, and, given the view, checks
/// that every segment it is handed lies inside the data area.
/// </summary>
internal unsafe struct PerfRecorder : IPerfRecordHandler
{
    private readonly int _stopAfter;
    private readonly byte* _low;
    private readonly byte* _high;

    public PerfRecorder()
        : this(int.MaxValue)
    {
    }

    public PerfRecorder(int stopAfter) => _stopAfter = stopAfter;

    public PerfRecorder(in PerfBufferView view, int stopAfter = int.MaxValue)
        : this(stopAfter)
    {
        _low = view.Data;
        _high = view.Data + view.DataSize;
    }

    public int OutOfBounds { get; private set; }

    public List<PerfReadEvent> Events { get; } = [];

    public readonly IEnumerable<SampleEvent> Samples => Events.OfType<SampleEvent>();

    public readonly IEnumerable<PerfCorruption> Reports => Events.OfType<CorruptionEvent>().Select(e => e.Report);

    public int SampleCount { get; private set; }

    public bool OnSample(in PerfSample sample)
    {
        if (_low != null && (!Inside(sample.First) || !Inside(sample.Second)))
            OutOfBounds++;
        var payload = new byte[sample.Length];
        sample.CopyTo(payload);
        Events.Add(new SampleEvent(sample.Cpu, sample.Position, sample.Time, payload, !sample.IsContiguous));
        return ++SampleCount < _stopAfter;
    }

    private readonly bool Inside(ReadOnlySpan<byte> segment)
    {
        if (segment.IsEmpty)
            return true;
        fixed (byte* p = segment)
            return p >= _low && p + segment.Length <= _high;
    }

    public readonly void OnLost(int cpu, ulong lost) => Events.Add(new LostEvent(cpu, lost));

    public readonly void OnCorruption(in PerfCorruption corruption) => Events.Add(new CorruptionEvent(corruption, corruption.ToString()));
}
