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

    /// <summary>
    /// The asynchronous streams allocate nothing per record, nor per wait, in steady state (the <c>byte[]</c> stream, whose
    /// contract is an array per record, is the control that shows the measurement sees a per-record allocation). One
    /// enumeration reads rounds of 100 records, each produced (by the loop body) after the last was read, so every round
    /// also waits asynchronously. After warm-up rounds, windows of 100 rounds are measured with
    /// <see cref="GC.GetTotalAllocatedBytes(bool)"/>, which counts every thread (continuations run on the thread pool and
    /// the wait on its own thread), less what the producer allocated on its thread. The enumeration's fixed cost (iterator,
    /// state machine, the reader's buffer growing) falls before the first window.
    /// </summary>
    /// <remarks>
    /// The least of four windows must stay within <see cref="WindowBudget"/>: an allocation per record would put at
    /// least 240,000 bytes in a window, one per wait at least 2,400. What the budget allows for is the runtime's own:
    /// windows show an occasional 168 bytes or so (0 to 3 per 50 waits, more often in the longer perf windows, with or
    /// without tiered compilation or PGO), following neither the records nor the waits; a thread-pool ping-pong with a
    /// reused work item and nothing else, measured the same way, shows them too (30 ms windows: 0, 168, 216, 1,256).
    /// </remarks>
    [KernelTheory]
    [InlineData(false, StreamForm.Typed)]
    [InlineData(false, StreamForm.Variable)]
    [InlineData(false, StreamForm.Leased)]
    [InlineData(false, StreamForm.Copies)]
    [InlineData(true, StreamForm.Typed)]
    [InlineData(true, StreamForm.Variable)]
    [InlineData(true, StreamForm.Leased)]
    [InlineData(true, StreamForm.Copies)]
    public async Task Streaming_allocates_nothing_per_record(bool viaPerf, StreamForm form)
    {
        using var ringMap = viaPerf ? null : RingBuffer(1 << 20);
        using var perfMap = viaPerf ? PerfEventArray() : null;
        using var set = viaPerf ? null : new RingBufferSet();
        using var perf = viaPerf ? new PerfBuffer(perfMap!, new PerfBufferOptions { PageCount = 64 }) : null;
        set?.Add(ringMap!);
        using var producer = viaPerf ? Producers.PerfOutput(perfMap!, 64) : Producers.RingOutput(ringMap!, 64);
        var cpu = perf?.Cpus[^1] ?? 0;
        var context = Record(0, 64);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        void Produce()
        {
            for (var i = 0; i < StreamRoundRecords; i++)
                Assert.Equal(0, viaPerf ? producer.RunOnCpu(cpu, (ulong)i) : producer.Run(context));
        }

        var token = timeout.Token;
        var windows = form switch
        {
            StreamForm.Typed => await MeasureWindows(viaPerf ? perf!.ReadAllAsync<Record64>(cancellationToken: token) : set!.ReadAllAsync<Record64>(token), r => r.Seq, Produce),
            StreamForm.Variable => await MeasureWindows(viaPerf ? perf!.ReadAllVariableAsync<ulong>(cancellationToken: token) : set!.ReadAllVariableAsync<ulong>(token), r => r.Header + r.Tail.Span[0], Produce),
            StreamForm.Leased => await MeasureWindows(viaPerf ? perf!.ReadAllLeasedAsync(cancellationToken: token) : set!.ReadAllLeasedAsync(token), r => r.Span[8], Produce),
            _ => await MeasureWindows(viaPerf ? perf!.ReadAllAsync(cancellationToken: token) : set!.ReadAllAsync(token), r => r[8], Produce),
        };

        var least = windows.Min();
        const long records = (long)WindowRounds * StreamRoundRecords;
        output.WriteLine($"{(viaPerf ? "perf buffer" : "ring buffer")} {form} stream: bytes per window of {records} records {string.Join(", ", windows)}; least {(double)least / records:F3} bytes/record");
        if (form == StreamForm.Copies)
            Assert.True(least >= records * 64, "the byte[] stream allocates an array per record: the measurement must see it");
        else
            Assert.True(least <= WindowBudget, $"{least} bytes allocated over {records} records and {WindowRounds} waits");
    }

    public enum StreamForm
    {
        Typed,
        Variable,
        Leased,
        Copies,
    }

    private const long WindowBudget = 1024;

    private const int StreamRoundRecords = 100, WindowRounds = 100, Windows = 4, StreamWarmUpRounds = 30;

    /// <summary>Reads <paramref name="stream"/> round after round; returns the bytes allocated (all threads, less the producer's) in each window.</summary>
    private static async Task<long[]> MeasureWindows<T>(IAsyncEnumerable<T> stream, Func<T, ulong> touch, Action produce)
    {
        var windows = new long[Windows];
        ulong checksum = 0;
        int inRound = 0, round = 0;
        long windowStart = 0, producerBytes = 0;
        produce();
        await foreach (var record in stream.ConfigureAwait(false))
        {
            checksum += touch(record);
            if (++inRound < StreamRoundRecords)
                continue;
            inRound = 0;
            round++;
            var measured = round - StreamWarmUpRounds;
            if (measured >= 0 && measured % WindowRounds == 0)
            {
                var now = GC.GetTotalAllocatedBytes(precise: true);
                if (measured > 0)
                    windows[(measured / WindowRounds) - 1] = now - windowStart - producerBytes;
                if (measured == Windows * WindowRounds)
                    break;
                (windowStart, producerBytes) = (now, 0);
            }
            var before = GC.GetAllocatedBytesForCurrentThread();
            produce();
            producerBytes += GC.GetAllocatedBytesForCurrentThread() - before;
        }
        GC.KeepAlive(checksum);
        return windows;
    }

    /// <summary>The 64-byte records of <see cref="Producers"/>: the sequence number, then 56 bytes.</summary>
    [System.Runtime.CompilerServices.InlineArray(7)]
    private struct Rest
    {
        private ulong _element;
    }

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct Record64
    {
        public ulong Seq;
        public Rest Rest;
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
