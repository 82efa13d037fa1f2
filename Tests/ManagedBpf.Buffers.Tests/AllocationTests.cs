using ManagedBpf.Buffers.Perf;
using ManagedBpf.Buffers.Ring;
using ManagedBpf.Buffers.Simulation;
using Xunit.Abstractions;

namespace ManagedBpf.Buffers.Tests;

/// <summary>Draining allocates nothing per record: measured over 100,000 records with the thread's allocation counter.</summary>
public sealed class AllocationTests(ITestOutputHelper output)
{
    private const int Rounds = 10;
    private const int RecordsPerRound = 10_000;

    // Two rounds before measuring: they JIT everything and, for perf, wrap the ring once, so the pooled scratch
    // buffer of the delegate overload exists before the count starts.
    private const int WarmUpRounds = 2;

    [Theory]
    [InlineData(RingCommitPolicy.PerRecord, false)]
    [InlineData(RingCommitPolicy.PerBatch, false)]
    [InlineData(RingCommitPolicy.PerRecord, true)]
    public void DrainingARingBufferAllocatesNothingPerRecord(RingCommitPolicy commit, bool viaDelegate)
    {
        using var ring = new RingBufferSimulator(1 << 20, startPosition: 1000 * 8); // 10,000 72-byte records per round, wrapping
        var payload = new byte[64];
        var handler = new Summing();
        long seen = 0;
        RingRecordCallback callback = p => seen += p[0];

        long allocated = 0, records = 0;
        for (var round = -WarmUpRounds; round < Rounds; round++)
        {
            for (var i = 0; i < RecordsPerRound; i++)
            {
                payload[0] = (byte)i;
                Assert.True(ring.TryOutput(payload));
            }

            var view = ring.View;
            var before = GC.GetAllocatedBytesForCurrentThread();
            var result = viaDelegate ? RingConsumer.Consume(view, callback, commit) : RingConsumer.Consume(view, ref handler, commit);
            var after = GC.GetAllocatedBytesForCurrentThread();
            if (round < 0)
                continue;
            allocated += after - before;
            records += result.Records;
        }

        output.WriteLine($"ring buffer, {commit}{(viaDelegate ? ", delegate" : "")}: {allocated} bytes allocated over {records} records ({(double)allocated / records:F3} bytes/record)");
        Assert.Equal((long)Rounds * RecordsPerRound, records);
        Assert.Equal(0, allocated);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadingAPerfBufferAllocatesNothingPerRecord(bool viaDelegate)
    {
        using var ring = new PerfBufferSimulator(1 << 20, PerfSampleLayout.Raw, startPosition: 1000 * 8); // 80-byte samples; some wrap
        var payload = new byte[68];
        var handler = new Summing();
        long seen = 0;
        PerfSampleCallback callback = (_, p) => seen += p[0];

        long allocated = 0, samples = 0, wrapped = 0;
        for (var round = -WarmUpRounds; round < Rounds; round++)
        {
            for (var i = 0; i < RecordsPerRound; i++)
            {
                payload[0] = (byte)i;
                Assert.True(ring.TryOutput(payload, out var record));
                if (round >= 0 && ((record.Position + 12) & ((1 << 20) - 1)) + 68 > 1 << 20)
                    wrapped++;
            }

            var view = ring.View;
            var before = GC.GetAllocatedBytesForCurrentThread();
            var result = viaDelegate ? PerfConsumer.Read(view, 0, PerfSampleLayout.Raw, callback) : PerfConsumer.Read(view, 0, PerfSampleLayout.Raw, ref handler);
            var after = GC.GetAllocatedBytesForCurrentThread();
            if (round < 0)
                continue;
            allocated += after - before;
            samples += result.Samples;
        }

        output.WriteLine($"perf buffer{(viaDelegate ? ", delegate" : "")}: {allocated} bytes allocated over {samples} samples, {wrapped} of them wrapped ({(double)allocated / samples:F3} bytes/record)");
        Assert.Equal((long)Rounds * RecordsPerRound, samples);
        Assert.True(wrapped > 0);
        Assert.Equal(0, allocated);
    }

    private struct Summing : IRingRecordHandler, IPerfRecordHandler
    {
        public long Sum;

        public bool OnRecord(ReadOnlySpan<byte> payload)
        {
            Sum += payload[0];
            return true;
        }

        public bool OnSample(in PerfSample sample)
        {
            Sum += sample.First.IsEmpty ? sample.Second[0] : sample.First[0];
            return true;
        }

        public readonly void OnLost(int cpu, ulong lost) => throw new InvalidOperationException("nothing is lost");

        public readonly void OnCorruption(in PerfCorruption corruption) => throw new InvalidOperationException(corruption.ToString());
    }
}
