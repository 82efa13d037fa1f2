using BenchmarkDotNet.Attributes;
using ManagedBpf.Buffers.Ring;
using ManagedBpf.Buffers.Simulation;

namespace ManagedBpf.Benchmarks;

/// <summary>
/// <see cref="RingConsumer"/> draining a simulated BPF ring buffer filled with <see cref="Records"/> records
/// before each invocation (the fill is not timed): ns and bytes per record.
/// </summary>
public class RingConsumerBenchmarks : IDisposable
{
    public const int Records = 4000;
    private RingBufferSimulator? _ring;
    private byte[] _payload = [];
    private Summing _handler;

    [Params(64, 1024)]
    public int Payload { get; set; }

    [Params(RingCommitPolicy.PerRecord, RingCommitPolicy.PerBatch)]
    public RingCommitPolicy Commit { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _ring = new RingBufferSimulator(8 << 20, startPosition: 1000 * 8);
        _payload = new byte[Payload];
    }

    [IterationSetup]
    public void Fill()
    {
        for (var i = 0; i < Records; i++)
        {
            _payload[0] = (byte)i;
            if (!_ring!.TryOutput(_payload))
                throw new InvalidOperationException("the simulated ring is full");
        }
    }

    [Benchmark(OperationsPerInvoke = Records)]
    public long Drain() => RingConsumer.Consume(_ring!.View, ref _handler, Commit).Records;

    [GlobalCleanup]
    public void Dispose()
    {
        _ring?.Dispose();
        _ring = null;
        GC.SuppressFinalize(this);
    }

    private struct Summing : IRingRecordHandler
    {
        public long Sum;

        public bool OnRecord(ReadOnlySpan<byte> payload)
        {
            Sum += payload[0];
            return true;
        }
    }
}
