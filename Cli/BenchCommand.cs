using System.Buffers.Binary;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using ManagedBpf.Buffers.Ordering;
using ManagedBpf.Buffers.Perf;
using ManagedBpf.Buffers.Ring;
using ManagedBpf.Kernel;
using ManagedBpf.Loader;
using ManagedBpf.Programs;

namespace ManagedBpf.Cli;

/// <summary>
/// <c>mbpf bench drain|stream</c>: the performance protocol (<c>Benchmarks/README.md</c>), run on the managed readers with the
/// producers fixture (<c>fixtures/obj/producers.bpf.o</c>) as the generator. <c>Benchmarks/libbpf/harness.c</c>
/// runs the same protocol with libbpf and prints the same fields, so <c>Benchmarks/run.sh</c> can quote ratios.
/// </summary>
/// <remarks>
/// Pinning (<see cref="ThreadAffinity.PinCurrentThread"/>): the drain runs producer and consumer on the main thread
/// pinned to the last online CPU; the stream runs <c>--producers N</c> producer threads pinned to the first N online CPUs
/// and the consumer on the next one ("CPU 1" below, for one producer on "CPU 0"), or with the last producer when every
/// CPU produces. A thread starts with the mask of the thread that creates it. CPU ids come from the online list, which
/// can have gaps.
/// </remarks>
internal static partial class BenchCommand
{
    private const int WarmUpRounds = 2;

    /// <summary>Records per warm-up fill: enough rounds to settle tiered compilation are cheap even when the measured fill is 64 MiB.</summary>
    private const uint WarmUpRecords = 3000;
    private const uint StreamRecordsPerRun = 64;

    internal static Command Create()
    {
        var drain = new Command("drain", "Fill a ring with N records through BPF_PROG_TEST_RUN, then time draining it (median ns/record over rounds).");
        var stream = new Command("stream", "Producer on CPU 0, consumer waiting on CPU 1: delivered records/s and drops.");
        var via = new Option<string>("--via") { Description = "ring (BPF_MAP_TYPE_RINGBUF) or perf (BPF_MAP_TYPE_PERF_EVENT_ARRAY).", DefaultValueFactory = _ => "ring" };
        via.AcceptOnlyFromAmong("ring", "perf");
        var payload = NumberOption.Integer("--payload", "Payload bytes per record (8 to 131072).", 8u, 128u * 1024, 64u);
        var records = NumberOption.Integer("--records", "Records per fill (drain), or in total (stream: test runs of 64 records, so rounded up to a multiple of 64).", 1u, uint.MaxValue - 63, 1000u);
        var rounds = NumberOption.Integer("--rounds", "Measured rounds (drain); the median is reported.", 1, 10_000, 11);
        var bufferSize = NumberOption.PageSize("--buffer-size", "The ring buffer's size in bytes, or each CPU's perf buffer's: a power-of-two number of pages.", 1u << 30, 256u * 1024);
        var producers = NumberOption.Integer("--producers", "Stream: producer threads, pinned to the first online CPUs; the consumer takes the next CPU when there is one.", 1, 1024, 1);
        var obj = new Option<string?>("--object") { Description = "The producers object (default: fixtures/obj/producers.bpf.o found from the current or the tool's directory)." };
        var consumer = new Option<string>("--consumer")
        {
            Description = "handler: the zero-copy struct handler (Consume/Poll); typed, variable, leased, bytes: the asynchronous streams "
                + "ReadAllAsync<T> (a 64-byte struct), ReadAllVariableAsync<ulong> (8-byte header, the rest as tail), ReadAllLeasedAsync and ReadAllAsync (byte[]); "
                + "ordered (stream --via perf): OrderedPerfReader, the CPUs' samples merged by time.",
            DefaultValueFactory = _ => "handler",
        };
        consumer.AcceptOnlyFromAmong("handler", "typed", "variable", "leased", "bytes", "ordered");
        foreach (var option in new Option[] { via, payload, records, obj, consumer, bufferSize })
        {
            drain.Options.Add(option);
            stream.Options.Add(option);
        }
        drain.Options.Add(rounds);
        stream.Options.Add(producers);
        // Raw tokens, not values: reading a value whose conversion failed throws (see NumberOption).
        static string? Given(CommandResult result, Option option) => result.GetResult(option) is { Implicit: false, Tokens: [.., var last] } ? last.Value : null;
        drain.Validators.Add(result =>
        {
            if (Given(result, consumer) == "ordered")
                result.AddError("--consumer ordered is a stream's: bench stream --via perf --consumer ordered.");
        });
        stream.Validators.Add(result =>
        {
            if (Given(result, consumer) == "ordered" && Given(result, via) != "perf")
                result.AddError("--consumer ordered merges perf buffer CPUs by time: it needs --via perf.");
        });
        drain.SetAction(result => CliErrors.Run(() =>
        {
            var setup = BenchSetup.Open(result.GetValue(obj), result.GetValue(via) == "perf", result.GetValue(payload), result.GetValue(records), result.GetValue(bufferSize), 1);
            var (count, times) = (result.GetValue(records), result.GetValue(rounds));
            if (result.GetValue(consumer) is "handler" or null)
                Drain(setup, count, times);
            else
                DrainAsync(setup, count, times, result.GetValue(consumer)!);
        }));
        stream.SetAction(result => CliErrors.Run(() =>
        {
            var setup = BenchSetup.Open(result.GetValue(obj), result.GetValue(via) == "perf", result.GetValue(payload), StreamRecordsPerRun, result.GetValue(bufferSize), result.GetValue(producers));
            var count = result.GetValue(records);
            if (result.GetValue(consumer) is "handler" or "ordered" or null)
                Stream(setup, count, ordered: result.GetValue(consumer) == "ordered");
            else
                StreamAsync(setup, count, result.GetValue(consumer)!);
        }));
        return new Command("bench", "Benchmarks of the managed ring and perf buffer readers (the performance protocol: Benchmarks/README.md).") { drain, stream };
    }

    private static void Pin(int cpu) => ThreadAffinity.PinCurrentThread(cpu);

    private static void Drain(BenchSetup setup, uint records, int rounds)
    {
        var viaPerf = setup.ViaPerf;
        var cpu = KernelInfo.OnlineCpus()[^1]; // a CPU id, not a count: ids can have gaps
        Pin(cpu);
        using var collection = setup.Spec.Load();
        var program = collection.Program(setup.ProgramName);
        var perTimes = new double[rounds];
        long delivered = 0, allocated = 0;
        var handler = new Counting();
        Span<byte> context = stackalloc byte[8];

        using var ring = viaPerf ? null : new RingBuffer(collection.Map("ring"));
        using var perf = viaPerf ? new PerfBuffer(collection.Map("perf"), setup.PerfOptions) : null;
        var warm = Math.Min(records, WarmUpRecords);
        SetRecordsPerRun(collection, warm);
        WarmUp(() =>
        {
            Produce(program, viaPerf, stackalloc byte[8], (uint)cpu, warm);
            _ = viaPerf ? perf!.ConsumeAll(ref handler).Samples : ring!.Consume(ref handler).Records;
        });
        SetRecordsPerRun(collection, records);
        var dropsBefore = Drops(collection, viaPerf);
        for (var round = -WarmUpRounds; round < rounds; round++)
        {
            Produce(program, viaPerf, context, (uint)cpu, records);
            long got;
            var before = GC.GetAllocatedBytesForCurrentThread();
            var start = Stopwatch.GetTimestamp();
            if (viaPerf)
            {
                got = perf!.ConsumeAll(ref handler).Samples;
            }
            else
            {
                got = ring!.Consume(ref handler).Records;
            }
            var end = Stopwatch.GetTimestamp();
            var after = GC.GetAllocatedBytesForCurrentThread();
            if (round < 0)
                continue;
            delivered += got;
            allocated += after - before;
            // From the raw timestamps (ns on Linux): a TimeSpan counts 100 ns ticks, 0.5 ns per record in a 200-record drain.
            perTimes[round] = got == 0 ? 0 : (end - start) * 1e9 / Stopwatch.Frequency / got;
        }

        Array.Sort(perTimes);
        var median = rounds % 2 == 1 ? perTimes[rounds / 2] : (perTimes[(rounds / 2) - 1] + perTimes[rounds / 2]) / 2;
        var dropped = Drops(collection, viaPerf) - dropsBefore; // the kernel's LOST records count the same failed outputs
        Print("drain", setup, records, $" rounds={rounds}", median, delivered == 0 ? 0 : (double)allocated / delivered, delivered, dropped, median > 0 ? 1e9 / median : 0);
        GC.KeepAlive(handler.Checksum);
    }

    private static void Stream(BenchSetup setup, uint records, bool ordered)
    {
        var viaPerf = setup.ViaPerf;
        var (producerCpus, consumerCpu) = setup.Cpus();
        using var collection = setup.Spec.Load();
        var program = collection.Program(setup.ProgramName);
        var handler = new Counting();
        using var ring = viaPerf ? null : new RingBufferSet();
        ring?.Add(collection.Map("ring"));
        using var perf = viaPerf ? new PerfBuffer(collection.Map("perf"), ordered ? setup.PerfOptions with { Layout = PerfSampleLayout.TimeAndRaw } : setup.PerfOptions) : null;
        var merged = new OrderedCount();
        using var orderedReader = ordered ? new OrderedPerfReader(perf!, merged.OnSample) : null;

        Pin(producerCpus[0]);
        WarmUp(() =>
        {
            Produce(program, viaPerf, stackalloc byte[8], (uint)producerCpus[0], StreamRecordsPerRun);
            if (orderedReader is not null)
                _ = orderedReader.Poll(0).Samples + orderedReader.Read().Samples + orderedReader.Flush().Samples;
            else
                _ = viaPerf ? perf!.Poll(ref handler, 0).Samples + perf.ConsumeAll(ref handler).Samples : ring!.Poll(ref handler, 0).Records + ring.ConsumeAll(ref handler).Records;
        });
        // Compile both loops now (a producer with nothing to do, a consumer whose producers are done): compiled after the
        // producers start, the consumer's JIT time would be a stall at the start in which the ring overflows.
        ProduceStream(program, viaPerf, producerCpus[0], 0, new StreamState { Producing = 1 });
        _ = ConsumeStream(ring, perf, orderedReader, merged, ref handler, new StreamState { Producing = 0 });
        // The orderer's sample pool grows to its window (OrderedPerfReader) in the first run that fills it; that growth is
        // a one-off of the reader's life, so one unmeasured run first makes the measured one show the steady state, as
        // the asynchronous streams' warm-up runs do.
        if (orderedReader is not null)
            _ = RunStream(program, viaPerf, producerCpus, consumerCpu, records, ring, perf, orderedReader, merged);
        var dropsBefore = Drops(collection, viaPerf);
        var (delivered, allocated, elapsed) = RunStream(program, viaPerf, producerCpus, consumerCpu, records, ring, perf, orderedReader, merged);

        var dropped = Drops(collection, viaPerf) - dropsBefore; // the kernel's LOST records count the same failed outputs
        Print("stream", setup, records, ordered ? " consumer=ordered" : "", delivered == 0 ? 0 : elapsed.TotalNanoseconds / delivered,
            delivered == 0 ? 0 : (double)allocated / delivered, delivered, dropped, delivered / elapsed.TotalSeconds);
        GC.KeepAlive(handler.Checksum);
    }

    /// <summary>One measured stream: the consumer waiting on its CPU, then the producers; delivered records, bytes the consumer allocated, wall time.</summary>
    private static (long Delivered, long Allocated, TimeSpan Elapsed) RunStream(
        ManagedBpf.Programs.Program program, bool viaPerf, int[] producerCpus, int consumerCpu, uint records, RingBufferSet? ring, PerfBuffer? perf, OrderedPerfReader? orderedReader, OrderedCount merged)
    {
        var handler = default(Counting);
        var state = new StreamState { Producing = producerCpus.Length };
        long delivered = 0, allocated = 0;
        var start = Stopwatch.GetTimestamp();
        RunWithConsumer(
            consumerCpu,
            () => (delivered, allocated) = ConsumeStream(ring, perf, orderedReader, merged, ref handler, state),
            () => Volatile.Read(ref state.ConsumerStarted) != 0,
            () => RunProducers(program, viaPerf, producerCpus, records, state),
            state);
        GC.KeepAlive(handler.Checksum);
        return (delivered, allocated, Stopwatch.GetElapsedTime(start, state.ConsumerEnd));
    }

    /// <summary>
    /// Starts <paramref name="consume"/> on a thread of its own on <paramref name="consumerCpu"/>, waits until it is
    /// <paramref name="started"/>, runs <paramref name="produce"/> (the producers, and what follows them) on this thread,
    /// then waits for the consumer; a producer's failure (in <paramref name="producers"/>) or the consumer's is thrown here.
    /// </summary>
    /// <remarks>
    /// As the harness: the consumer is on its CPU and waiting before the producers start on theirs. The other order (start
    /// a producer pinned to CPU 0, then move the consumer) left the consumer queued behind the producer on CPU 0 for a
    /// scheduler slice (measured: 3.4-5.7 ms), long enough to overflow the ring before the first poll.
    /// </remarks>
    private static void RunWithConsumer(int consumerCpu, Action consume, Func<bool> started, Action produce, StreamState producers)
    {
        Exception? failure = null;
        Pin(consumerCpu);
        var consumer = new Thread(() =>
        {
            try
            {
                consume();
            }
            catch (Exception e)
            {
                failure = e;
            }
        }) { IsBackground = true, Name = "mbpf bench consumer" };
        consumer.Start(); // inherits the consumer's CPU
        while (!started())
            Thread.Yield();
        produce();
        consumer.Join();
        if (producers.Failure is not null)
            throw new InvalidOperationException($"A producer failed: {producers.Failure.Message}", producers.Failure);
        if (failure is not null)
            throw new InvalidOperationException($"The consumer failed: {failure.Message}", failure);
    }

    /// <summary>
    /// Runs one producer thread per CPU of <paramref name="cpus"/>, each pinned to its CPU and writing its share of
    /// <paramref name="records"/>, and waits for them.
    /// </summary>
    private static void RunProducers(ManagedBpf.Programs.Program program, bool viaPerf, int[] cpus, uint records, StreamState state)
    {
        var share = Share(records, cpus.Length);
        var threads = cpus.Select(cpu => new Thread(() =>
        {
            Pin(cpu);
            ProduceStream(program, viaPerf, cpu, share, state);
        }) { IsBackground = true, Name = $"mbpf bench producer {cpu}" }).ToList();
        foreach (var thread in threads)
            thread.Start();
        foreach (var thread in threads)
            thread.Join();
    }

    /// <summary>Each producer's records: an equal share of <paramref name="records"/>, in whole test runs.</summary>
    private static uint Share(uint records, int producers) =>
        (records / (uint)producers + StreamRecordsPerRun - 1) / StreamRecordsPerRun * StreamRecordsPerRun;

    /// <summary>What the stream's producers and consumer tell each other.</summary>
    private sealed class StreamState
    {
        public int Producing;
        public int ConsumerStarted;
        public long ConsumerEnd;
        public Exception? Failure;
    }

    // The two stream loops below are entered once and then loop for the whole measurement. Under tiered compilation
    // they would start as tier-0 code and be replaced mid-loop by on-stack replacement, compiled synchronously on the
    // looping thread: a stall of milliseconds in which the 256 KiB ring overflows (measured on perf 64 B: 25k-160k
    // drops of 200k, none with DOTNET_TC_QuickJitForLoops=0 or DOTNET_TieredCompilation=0). The libbpf harness's loops
    // are compiled ahead of time; AggressiveOptimization compiles these two fully optimised at their first call. The
    // library methods they call are tier-1 by then (WarmUp).

    /// <summary>A producer: test runs of <see cref="StreamRecordsPerRun"/> records on its CPU until <paramref name="records"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ProduceStream(ManagedBpf.Programs.Program program, bool viaPerf, int cpu, uint records, StreamState state)
    {
        try
        {
            Span<byte> context = stackalloc byte[8];
            for (uint done = 0; done < records; done += StreamRecordsPerRun)
                Produce(program, viaPerf, context, (uint)cpu, StreamRecordsPerRun);
        }
        catch (Exception e) when (e is ManagedBpf.Kernel.BpfSyscallException or InvalidOperationException)
        {
            state.Failure = e;
        }
        finally
        {
            Interlocked.Decrement(ref state.Producing);
        }
    }

    /// <summary>The consumer: wait (100 ms timeout, as the harness's <c>__poll</c>) and drain until the producers stopped, then drain the rest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (long Delivered, long Allocated) ConsumeStream(RingBufferSet? ring, PerfBuffer? perf, OrderedPerfReader? ordered, OrderedCount merged, ref Counting handler, StreamState state)
    {
        long delivered = 0, allocated = 0;
        var done = false;
        Volatile.Write(ref state.ConsumerStarted, 1);
        var mergedBefore = merged.Delivered;
        while (!done)
        {
            done = Volatile.Read(ref state.Producing) == 0; // after the producers stopped, one last pass drains the rest
            var before = GC.GetAllocatedBytesForCurrentThread();
            if (ordered is not null)
            {
                _ = done ? ordered.Read() : ordered.Poll(100);
                if (done)
                    ordered.Flush(); // the samples still held for ordering
            }
            else if (perf is not null)
            {
                delivered += (done ? perf.ConsumeAll(ref handler) : perf.Poll(ref handler, 100)).Samples;
            }
            else
            {
                delivered += done ? ring!.ConsumeAll(ref handler).Records : ring!.Poll(ref handler, 100).Records;
            }
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
        }
        if (ordered is not null)
            delivered = merged.Delivered - mergedBefore; // what left the orderer, in time order
        state.ConsumerEnd = Stopwatch.GetTimestamp();
        return (delivered, allocated);
    }

    /// <summary>
    /// Runs <paramref name="round"/> (produce, then drain through the API under test) until tiered compilation has
    /// settled: the measured code is then the optimised (tier-1, with PGO) code a long-running consumer runs, not
    /// tier-0 or OSR code. A NativeAOT build is optimised from the start and needs none of this.
    /// </summary>
    private static void WarmUp(Action round)
    {
        for (var pass = 0; pass < 3; pass++)
        {
            for (var i = 0; i < 64; i++)
                round();
            Thread.Sleep(250); // tier-1 compilation happens on a background thread after a call-counting delay
        }
    }

    /// <summary>Sets how many records a test run writes, in the .data map's memory (global data maps are BPF_F_MMAPABLE).</summary>
    private static void SetRecordsPerRun(Collection collection, uint records)
    {
        var variable = collection.Spec.Variable("record_count");
        using var data = collection.Map(variable.Section.Name).Mmap();
        data.Write((int)variable.Offset, records);
    }

    private static void Produce(ManagedBpf.Programs.Program program, bool viaPerf, Span<byte> context, uint cpu, uint expected)
    {
        var result = viaPerf
            ? program.TestRun(contextIn: context, flags: TestRunFlags.RunOnCpu, cpu: cpu)
            : program.TestRun();
        if (result.ReturnValue != expected)
            throw new InvalidOperationException($"{program} returned {(int)result.ReturnValue}, expected {expected} (bpf_loop iterations).");
    }

    /// <summary>
    /// The drops the program counted itself (the kernel keeps no count of failed ring reservations; for the perf
    /// buffer its LOST records count the same failed outputs, so they are not added).
    /// </summary>
    private static ulong Drops(Collection collection, bool viaPerf) => collection.ReadVariable<ulong>(viaPerf ? "perf_drops" : "ring_drops");

    private static void Print(string mode, BenchSetup setup, uint records, string extra, double nsPerRecord, double bytesPerRecord, long delivered, ulong dropped, double recordsPerSecond) =>
        Console.WriteLine(FormattableString.Invariant(
            $"impl=managed mode={mode} via={(setup.ViaPerf ? "perf" : "ring")} payload={setup.Payload} records={records} buffer_size={setup.BufferSize}{(mode == "stream" ? $" producers={setup.Producers}" : "")}{extra} median_ns_per_record={nsPerRecord:F2} allocated_bytes_per_record={bytesPerRecord:F3} delivered={delivered} dropped={dropped} records_per_s={recordsPerSecond:F0}"));

    /// <summary>Counts what an <see cref="OrderedPerfReader"/> delivers and reads each sample's sequence number.</summary>
    private sealed class OrderedCount
    {
        public long Delivered;
        public ulong Checksum;

        public void OnSample(int cpu, ulong time, ReadOnlySpan<byte> payload)
        {
            Checksum += BinaryPrimitives.ReadUInt64LittleEndian(payload);
            Delivered++;
        }
    }

    /// <summary>Reads each record's sequence number, as the libbpf harness's callbacks do.</summary>
    private struct Counting : IRingRecordHandler, IPerfRecordHandler
    {
        public ulong Checksum;

        public bool OnRecord(ReadOnlySpan<byte> payload)
        {
            Checksum += BinaryPrimitives.ReadUInt64LittleEndian(payload);
            return true;
        }

        public bool OnSample(in PerfSample sample)
        {
            if (sample.First.Length >= 8)
                Checksum += BinaryPrimitives.ReadUInt64LittleEndian(sample.First);
            return true;
        }

        public readonly void OnLost(int cpu, ulong lost)
        {
        }

        public readonly void OnCorruption(in PerfCorruption corruption)
        {
        }
    }
}
