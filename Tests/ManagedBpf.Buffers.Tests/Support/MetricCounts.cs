using System.Diagnostics.Metrics;

namespace ManagedBpf.Buffers.Tests.Support;

/// <summary>Sums the measurements tagged with one map's name.</summary>
internal sealed class MetricCounts : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, long> _sums = [];

    public MetricCounts(string mapName)
    {
        _listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == BufferMetrics.MeterName)
                l.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? name = null, type = null;
            int? cpu = null;
            foreach (var tag in tags)
            {
                switch (tag.Key)
                {
                    case BufferMetrics.MapNameTag: name = tag.Value as string; break;
                    case BufferMetrics.MapTypeTag: type = tag.Value as string; break;
                    case BufferMetrics.CpuTag: cpu = tag.Value as int?; break;
                }
            }
            if (name != mapName)
                return;
            lock (_sums)
            {
                _sums[instrument.Name] = _sums.GetValueOrDefault(instrument.Name) + value;
                (MapType, Cpu) = (type, cpu ?? Cpu);
            }
        });
        _listener.Start();
    }

    public string? MapType { get; private set; }

    public int? Cpu { get; private set; }

    public long this[string instrument]
    {
        get
        {
            lock (_sums)
                return _sums.GetValueOrDefault(instrument);
        }
    }

    public void Dispose() => _listener.Dispose();
}
