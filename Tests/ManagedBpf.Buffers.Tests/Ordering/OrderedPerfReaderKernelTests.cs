using System.Buffers.Binary;
using ManagedBpf.Buffers.Ordering;
using ManagedBpf.Buffers.Perf;
using ManagedBpf.Buffers.Tests.Support;
using ManagedBpf.TestSupport;
using static ManagedBpf.Buffers.Tests.Support.KernelObjects;

namespace ManagedBpf.Buffers.Tests.Ordering;

/// <summary>
/// The ordered reader over a real perf buffer opened with PERF_SAMPLE_TIME: a producer run alternately on every CPU
/// (BPF_F_TEST_RUN_ON_CPU) writes samples whose kernel timestamps interleave across the rings; read per CPU they come
/// out grouped by CPU, through the reader in the order they were produced.
/// </summary>
public sealed class OrderedPerfReaderKernelTests
{
    [KernelFact]
    public void Samples_from_all_cpus_arrive_in_kernel_time_order()
    {
        using var map = PerfEventArray();
        using var buffer = new PerfBuffer(map, new PerfBufferOptions { PageCount = 8, Layout = PerfSampleLayout.TimeAndRaw });
        using var producer = Producers.PerfOutput(map, 32);
        Assert.True(buffer.Cpus.Count >= 2, "the test needs two online CPUs");
        var delivered = new List<(int Cpu, ulong Time, ulong Seq)>();
        using var reader = new OrderedPerfReader(buffer, (cpu, time, payload) => delivered.Add((cpu, time, BinaryPrimitives.ReadUInt64LittleEndian(payload))));

        ulong seq = 0;
        var expectedCpu = new List<int>();
        for (var round = 0; round < 5; round++)
        {
            for (var i = 0; i < 40; i++)
            {
                // A varying pattern over the CPUs, so each ring holds runs of different lengths.
                var cpu = buffer.Cpus[(i * 7 / 3 + round) % buffer.Cpus.Count];
                Assert.Equal(0, producer.RunOnCpu(cpu, seq++));
                expectedCpu.Add(cpu);
            }

            var read = reader.Read();
            Assert.Equal(40, read.Samples);
            // What came out so far is a time-ordered prefix of everything produced.
            Assert.Equal(Enumerable.Range(0, delivered.Count).Select(i => (ulong)i), delivered.Select(d => d.Seq));
        }

        reader.Flush();
        Assert.Equal(Enumerable.Range(0, 200).Select(i => (ulong)i), delivered.Select(d => d.Seq));
        Assert.Equal(expectedCpu, delivered.Select(d => d.Cpu));
        Assert.Equal(delivered.Select(d => d.Time).Order(), delivered.Select(d => d.Time));
        Assert.Equal(0, reader.Orderer.LateSamples);
        Assert.Equal(0, reader.Orderer.ReleasedByBound);
        Assert.Equal(0, reader.Orderer.Count);

        // Read per CPU without ordering, the same kind of run comes out grouped by CPU instead.
        for (var i = 0; i < 10; i++)
            Assert.Equal(0, producer.RunOnCpu(buffer.Cpus[i % 2], seq++));
        var unordered = new List<ulong>();
        buffer.ConsumeAll((_, payload) => unordered.Add(BinaryPrimitives.ReadUInt64LittleEndian(payload)));
        Assert.NotEqual(unordered.Order(), unordered);
    }

    [KernelFact]
    public void Ordered_reading_of_a_real_buffer_allocates_nothing_per_sample_in_steady_state()
    {
        using var map = PerfEventArray();
        using var buffer = new PerfBuffer(map, new PerfBufferOptions { PageCount = 8, Layout = PerfSampleLayout.TimeAndRaw });
        using var producer = Producers.PerfOutput(map, 64);
        long sum = 0;
        using var reader = new OrderedPerfReader(buffer, (cpu, time, payload) => sum += payload[0]);
        ulong seq = 0;
        void Round()
        {
            for (var i = 0; i < 64; i++)
                producer.RunOnCpu(buffer.Cpus[i % buffer.Cpus.Count], seq++);
        }

        for (var i = 0; i < 5; i++)
        {
            Round();
            reader.Read();
        }

        long allocated = 0;
        for (var i = 0; i < 20; i++)
        {
            Round(); // the test runs allocate; only the reads are measured
            var before = GC.GetAllocatedBytesForCurrentThread();
            reader.Read();
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.Equal(0, allocated);
        Assert.Equal(25 * 64, reader.Orderer.Released + reader.Orderer.Count);
    }
}
