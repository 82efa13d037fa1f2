using System.Diagnostics.Metrics;
using ManagedBpf.Buffers.Perf;
using ManagedBpf.Buffers.Ring;
using ManagedBpf.Buffers.Tests.Support;
using ManagedBpf.TestSupport;
using Xunit.Abstractions;
using static ManagedBpf.Buffers.Tests.Support.KernelObjects;

namespace ManagedBpf.Buffers.Tests.Kernel;

/// <summary>
/// Draining the kernel's rings allocates nothing per record in steady state, with a metrics listener attached or not:
/// measured with the thread's allocation counter over 10,000 records filled by programs between the measured drains.
/// </summary>
/// <remarks>
/// In the collection that runs alone: another test's metrics listener would otherwise run (and be compiled, and
/// allocate) on this thread in the middle of a measured drain.
/// </remarks>
[Collection(DescriptorCounting.Collection)]
public sealed class KernelAllocationTests(ITestOutputHelper output)
{
    private const int Rounds = 10, RecordsPerRound = 1000, WarmUpRounds = 2;

    [KernelTheory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Draining_a_ring_buffer_allocates_nothing_per_record(bool throughTheSet, bool withListener)
    {
        using var listener = withListener ? Listen() : null;
        using var map = RingBuffer(1 << 20);
        using var set = new RingBufferSet();
        set.Add(map);
        var ring = set[0];
        using var producer = Producers.RingOutput(map, 64);
        var context = Record(0, 64);
        var handler = new Counting();

        long allocated = 0, records = 0;
        for (var round = -WarmUpRounds; round < Rounds; round++)
        {
            for (var i = 0; i < RecordsPerRound; i++)
                Assert.Equal(0, producer.Run(context));
            var before = GC.GetAllocatedBytesForCurrentThread();
            var result = throughTheSet ? set.Poll(ref handler, 0) : ring.Consume(ref handler);
            var after = GC.GetAllocatedBytesForCurrentThread();
            Assert.Equal(RecordsPerRound, result.Records);
            if (round < 0)
                continue;
            allocated += after - before;
            records += result.Records;
        }

        output.WriteLine($"ring buffer{(throughTheSet ? " via RingBufferSet.Poll" : "")}{(withListener ? ", metrics listener on" : "")}: {allocated} bytes over {records} records ({(double)allocated / records:F3} bytes/record)");
        Assert.Equal(0, allocated);
    }

    [KernelTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void Draining_a_perf_buffer_allocates_nothing_per_record(bool withListener)
    {
        using var listener = withListener ? Listen() : null;
        using var map = PerfEventArray();
        using var buffer = new PerfBuffer(map, new PerfBufferOptions { PageCount = 64 });
        using var producer = Producers.PerfOutput(map, 64);
        var cpu = buffer.Cpus[^1];
        var handler = new Counting();

        long allocated = 0, records = 0;
        for (var round = -WarmUpRounds; round < Rounds; round++)
        {
            for (var i = 0; i < RecordsPerRound; i++)
                Assert.Equal(0, producer.RunOnCpu(cpu, (ulong)i));
            var before = GC.GetAllocatedBytesForCurrentThread();
            var result = buffer.Poll(ref handler, 0);
            var after = GC.GetAllocatedBytesForCurrentThread();
            Assert.Equal(RecordsPerRound, result.Samples);
            if (round < 0)
                continue;
            allocated += after - before;
            records += result.Samples;
        }

        output.WriteLine($"perf buffer via Poll{(withListener ? ", metrics listener on" : "")}: {allocated} bytes over {records} samples ({(double)allocated / records:F3} bytes/record)");
        Assert.Equal(0, allocated);
        Assert.Equal((0L, 0L), (handler.Lost, handler.Reports));
    }

    /// <summary>A listener on every instrument of the meter, summing without allocating.</summary>
    private static MeterListener Listen()
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == BufferMetrics.MeterName)
                    l.EnableMeasurementEvents(instrument);
            },
        };
        long sum = 0;
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref sum, value));
        listener.Start();
        return listener;
    }

    /// <summary>Counts what it is handed, touching every byte, so the drain cannot be optimised away.</summary>
    private struct Counting : IRingRecordHandler, IPerfRecordHandler
    {
        public long Records, Checksum, Lost, Reports;

        public bool OnRecord(ReadOnlySpan<byte> payload)
        {
            Records++;
            foreach (var b in payload)
                Checksum += b;
            return true;
        }

        public bool OnSample(in PerfSample sample)
        {
            Records++;
            foreach (var b in sample.First)
                Checksum += b;
            foreach (var b in sample.Second)
                Checksum += b;
            return true;
        }

        public void OnLost(int cpu, ulong lost) => Lost += (long)lost;

        public void OnCorruption(in PerfCorruption corruption) => Reports++;
    }
}
