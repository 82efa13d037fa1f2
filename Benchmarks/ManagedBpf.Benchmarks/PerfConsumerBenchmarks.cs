using BenchmarkDotNet.Attributes;
using ManagedBpf.Buffers.Perf;
using ManagedBpf.Buffers.Simulation;

namespace ManagedBpf.Benchmarks;

/// <summary>
/// <see cref="PerfConsumer"/> reading a simulated perf ring (RAW samples) filled with <see cref="Records"/> samples
/// before each invocation (the fill is not timed): ns and bytes per sample, header validation (the 64 KB guard) included.
/// </summary>
public class PerfConsumerBenchmarks : IDisposable
{
    public const int Records = 4000;
    private PerfBufferSimulator? _ring;
    private byte[] _payload = [];
    private Summing _handler;

    /// <summary>The program's payload; the raw sample is 4 bytes longer (the kernel pads u32 size + data to 8).</summary>
    [Params(64, 1024)]
    public int Payload { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _ring = new PerfBufferSimulator(8 << 20, PerfSampleLayout.Raw, startPosition: 1000 * 8);
        _payload = new byte[Payload + 4];
    }

    [IterationSetup]
    public void Fill()
    {
        for (var i = 0; i < Records; i++)
        {
            _payload[0] = (byte)i;
            if (!_ring!.TryOutput(_payload, out _))
                throw new InvalidOperationException("the simulated perf ring is full");
        }
    }

    [Benchmark(OperationsPerInvoke = Records)]
    public long Read() => PerfConsumer.Read(_ring!.View, 0, PerfSampleLayout.Raw, ref _handler).Samples;

    [GlobalCleanup]
    public void Dispose()
    {
        _ring?.Dispose();
        _ring = null;
        GC.SuppressFinalize(this);
    }

    private struct Summing : IPerfRecordHandler
    {
        public long Sum;

        public bool OnSample(in PerfSample sample)
        {
            Sum += sample.First.IsEmpty ? sample.Second[0] : sample.First[0];
            return true;
        }

        public readonly void OnLost(int cpu, ulong lost) => throw new InvalidOperationException("nothing is lost");

        public readonly void OnCorruption(in PerfCorruption corruption) => throw new InvalidOperationException(corruption.ToString());
    }
}
