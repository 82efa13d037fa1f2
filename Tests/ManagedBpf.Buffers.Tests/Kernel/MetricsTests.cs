using ManagedBpf.Buffers.Perf;
using ManagedBpf.Buffers.Ring;
using ManagedBpf.Buffers.Tests.Support;
using ManagedBpf.TestSupport;
using static ManagedBpf.Buffers.Tests.Support.KernelObjects;

namespace ManagedBpf.Buffers.Tests.Kernel;

/// <summary>The <see cref="BufferMetrics"/> counters see what the readers and writers did, tagged per map (and CPU).</summary>
public sealed class MetricsTests
{
    [KernelFact]
    public void A_ring_buffer_counts_records_bytes_and_discards()
    {
        using var map = RingBuffer(4096);
        using var ring = new Buffers.Ring.RingBuffer(map);
        using var producer = Producers.RingReserveSubmitDiscard(map);
        using var counts = new MetricCounts(map.Name);
        for (ulong seq = 0; seq < 3; seq++)
            producer.Run(BitConverter.GetBytes(seq));
        ring.Consume(_ => { });

        Assert.Equal(3, counts[BufferMetrics.RecordsName]);
        Assert.Equal(48, counts[BufferMetrics.BytesName]);
        Assert.Equal(3, counts[BufferMetrics.DiscardedName]);
        Assert.Equal("RINGBUF", counts.MapType);
    }

    [KernelFact]
    public void A_user_ring_buffer_counts_what_was_submitted_and_discarded()
    {
        using var map = UserRingBuffer(4096);
        using var ring = new Buffers.Ring.UserRingBuffer(map);
        using var counts = new MetricCounts(map.Name);
        ring.TryWrite(new byte[10]);
        ring.TryWrite(new byte[20]);
        Assert.True(ring.TryReserve(5, out var dropped));
        dropped.Discard();

        Assert.Equal(2, counts[BufferMetrics.RecordsName]);
        Assert.Equal(30, counts[BufferMetrics.BytesName]);
        Assert.Equal(1, counts[BufferMetrics.DiscardedName]);
    }

    [KernelFact]
    public void A_perf_buffer_counts_samples_lost_and_corrupted_records_per_cpu()
    {
        using var map = PerfEventArray();
        using var big = KernelObjects.Array(70_004, "big");
        using var buffer = new PerfBuffer(map, new PerfBufferOptions { PageCount = 2 });
        using var normal = Producers.PerfOutput(map, 16);
        using var oversized = Producers.PerfOutputMapValue(map, big);
        using var counts = new MetricCounts(map.Name);
        var cpu = buffer.Cpus[^1];
        var lost = 0;
        for (ulong i = 0; i < 400; i++)
            lost += normal.RunOnCpu(cpu, i) == 0 ? 0 : 1;
        var recorder = new PerfRecorder();
        buffer.ConsumeAll(ref recorder);
        normal.RunOnCpu(cpu, 1000);  // carries the LOST record
        buffer.ConsumeAll(ref recorder);
        Assert.Equal(0, oversized.RunOnCpu(cpu, 0)); // on a two-page ring it overwrites itself: one dropped batch
        buffer.ConsumeAll(ref recorder);

        Assert.Equal(401 - lost, counts[BufferMetrics.RecordsName]);
        Assert.Equal((401 - lost) * 20, counts[BufferMetrics.BytesName]);
        Assert.Equal(lost, counts[BufferMetrics.LostName]);
        Assert.Equal(1, counts[BufferMetrics.CorruptedName]);
        Assert.Equal(4_480, counts[BufferMetrics.CorruptedBytesName]); // the dropped batch: the sample's truncated 4,480 bytes
        Assert.Equal(cpu, counts.Cpu);
    }
}
