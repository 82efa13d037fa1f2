using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using ManagedBpf.Buffers;
using ManagedBpf.Buffers.Perf;
using ManagedBpf.Buffers.Ring;
using ManagedBpf.Kernel;
using ManagedBpf.Loader;

namespace ManagedBpf.Cli;

/// <summary>
/// <c>mbpf bench drain|stream --consumer typed|variable|leased|bytes</c>: the same protocol through the asynchronous
/// streams (<c>await foreach</c>) instead of a struct handler. Continuations run on the thread pool, so allocation is
/// measured over every thread (<see cref="GC.GetTotalAllocatedBytes(bool)"/>): in a drain less what the producer
/// allocated on its own thread, in a stream less the stream's setup (a cost per stream, not per record). The stream
/// keeps the pool's workers and the reader's wait thread on the consumer's CPU by starting them while the main thread
/// is pinned there (which is all that can be done without a native call of our own).
/// </summary>
internal static partial class BenchCommand
{
    /// <summary>Drain: each round fills the ring, then times reading exactly that many records from one enumeration (the first read of a round waits for the wakeup).</summary>
    private static void DrainAsync(BenchSetup setup, uint records, int rounds, string consumer)
    {
        var viaPerf = setup.ViaPerf;
        var cpu = KernelInfo.OnlineCpus()[^1];
        Pin(cpu);
        using var collection = setup.Spec.Load();
        var program = collection.Program(setup.ProgramName);
        using var ring = viaPerf ? null : new RingBufferSet();
        ring?.Add(collection.Map("ring"));
        using var perf = viaPerf ? new PerfBuffer(collection.Map("perf"), setup.PerfOptions) : null;
        var dropsBefore = Drops(collection, viaPerf);
        var warm = Math.Min(records, WarmUpRecords);
        var drain = new DrainPlan(
            () => Produce(program, viaPerf, stackalloc byte[8], (uint)cpu, warm), warm,
            () => SetRecordsPerRun(collection, records),
            () => Produce(program, viaPerf, stackalloc byte[8], (uint)cpu, records), records, rounds);
        SetRecordsPerRun(collection, warm);

        var (times, delivered, allocated) = (consumer switch
        {
            "typed" => DrainRounds(viaPerf ? perf!.ReadAllAsync<Event64>() : ring!.ReadAllAsync<Event64>(), static e => e.Seq, drain),
            "variable" => DrainRounds(viaPerf ? perf!.ReadAllVariableAsync<ulong>() : ring!.ReadAllVariableAsync<ulong>(), static r => r.Header + (ulong)r.Tail.Length, drain),
            "leased" => DrainRounds(viaPerf ? perf!.ReadAllLeasedAsync() : ring!.ReadAllLeasedAsync(), static m => BinaryPrimitives.ReadUInt64LittleEndian(m.Span), drain),
            _ => DrainRounds(viaPerf ? perf!.ReadAllAsync() : ring!.ReadAllAsync(), static a => BinaryPrimitives.ReadUInt64LittleEndian(a), drain),
        }).GetAwaiter().GetResult();

        Array.Sort(times);
        var median = rounds % 2 == 1 ? times[rounds / 2] : (times[(rounds / 2) - 1] + times[rounds / 2]) / 2;
        Print("drain", setup, records, $" rounds={rounds} consumer={consumer}", median, delivered == 0 ? 0 : (double)allocated / delivered,
            delivered, Drops(collection, viaPerf) - dropsBefore, median > 0 ? 1e9 / median : 0);
    }

    /// <summary>A drain's fills: the warm-up's (smaller), what switches to the measured ones, and the measured ones.</summary>
    private sealed record DrainPlan(Action WarmUpFill, uint WarmUpRecords, Action Switch, Action Fill, uint Records, int Rounds);

    private static async Task<(double[] Times, long Delivered, long Allocated)> DrainRounds<T>(
        IAsyncEnumerable<T> stream, Func<T, ulong> touch, DrainPlan plan)
    {
        var (produce, records, rounds) = (plan.Fill, plan.Records, plan.Rounds);
        var times = new double[rounds];
        long delivered = 0, allocated = 0;
        ulong checksum = 0;
        await using var reader = stream.GetAsyncEnumerator();
        // Warm-up as WarmUp does, through the same enumerator: tiered compilation settles on the code measured below.
        for (var pass = 0; pass < 3; pass++)
        {
            for (var i = 0; i < 64; i++)
            {
                plan.WarmUpFill();
                for (uint n = 0; n < plan.WarmUpRecords && await reader.MoveNextAsync().ConfigureAwait(false); n++)
                    checksum += touch(reader.Current);
            }
            await Task.Delay(250).ConfigureAwait(false);
        }

        plan.Switch();
        for (var round = -WarmUpRounds; round < rounds; round++)
        {
            var producerBefore = GC.GetAllocatedBytesForCurrentThread();
            produce();
            var producerBytes = GC.GetAllocatedBytesForCurrentThread() - producerBefore;
            var before = GC.GetTotalAllocatedBytes(precise: true) - producerBytes;
            var start = Stopwatch.GetTimestamp();
            uint got = 0;
            while (got < records && await reader.MoveNextAsync().ConfigureAwait(false))
            {
                checksum += touch(reader.Current);
                got++;
            }
            var end = Stopwatch.GetTimestamp();
            var after = GC.GetTotalAllocatedBytes(precise: true);
            if (round < 0)
                continue;
            delivered += got;
            allocated += after - before - producerBytes;
            times[round] = (end - start) * 1e9 / Stopwatch.Frequency / records;
        }
        GC.KeepAlive(checksum);
        return (times, delivered, Math.Max(0, allocated));
    }

    /// <summary>Stream: as <see cref="Stream"/>, with the consumer reading the asynchronous stream (started on its CPU; its continuations run on the thread pool).</summary>
    private static void StreamAsync(BenchSetup setup, uint records, string consumer)
    {
        var viaPerf = setup.ViaPerf;
        var (producerCpus, consumerCpu) = setup.Cpus();
        using var collection = setup.Spec.Load();
        var program = collection.Program(setup.ProgramName);
        using var ring = viaPerf ? null : new RingBufferSet();
        ring?.Add(collection.Map("ring"));
        using var perf = viaPerf ? new PerfBuffer(collection.Map("perf"), setup.PerfOptions) : null;

        Func<AsyncStreamState, Task> consume = consumer switch
        {
            "typed" => state => ConsumeStreamAsync(viaPerf ? perf!.ReadAllAsync<Event64>(cancellationToken: state.Stop.Token) : ring!.ReadAllAsync<Event64>(state.Stop.Token), static e => e.Seq, state),
            "variable" => state => ConsumeStreamAsync(viaPerf ? perf!.ReadAllVariableAsync<ulong>(cancellationToken: state.Stop.Token) : ring!.ReadAllVariableAsync<ulong>(state.Stop.Token), static r => r.Header + (ulong)r.Tail.Length, state),
            "leased" => state => ConsumeStreamAsync(viaPerf ? perf!.ReadAllLeasedAsync(cancellationToken: state.Stop.Token) : ring!.ReadAllLeasedAsync(state.Stop.Token), static m => BinaryPrimitives.ReadUInt64LittleEndian(m.Span), state),
            _ => state => ConsumeStreamAsync(viaPerf ? perf!.ReadAllAsync(cancellationToken: state.Stop.Token) : ring!.ReadAllAsync(state.Stop.Token), static a => BinaryPrimitives.ReadUInt64LittleEndian(a), state),
        };

        // The stream's work runs on the reader's wait thread and on thread-pool workers. A new thread takes the CPU mask of
        // the thread that starts it, which for pool workers and the wait thread need not be the consumer thread (observed:
        // a wait thread ran on CPU 0, with the producer), so they are started now, with the main thread on the consumer's CPU.
        Pin(consumerCpu);
        _ = (ring is not null ? ring.WaitAsync(1).AsTask() : perf!.WaitAsync(1).AsTask()).GetAwaiter().GetResult(); // starts the wait thread
        Task.WaitAll([.. Enumerable.Range(0, Environment.ProcessorCount).Select(_ => Task.Run(() => Thread.Sleep(50)))]);
        ThreadPool.GetMaxThreads(out _, out var completionPorts);
        ThreadPool.SetMaxThreads(Environment.ProcessorCount, completionPorts); // and no worker is added later, with the main thread on CPU 0

        // Warm-up: runs like the measured one (producers on their CPUs while the consumer streams), with pauses for tiered
        // compilation; they also grow the reader's buffer to the largest batch a running producer makes, once.
        // The last one also measures what a run allocates up to its first record (the consumer thread, the enumerator and
        // its state machine, the cancellation source, the producer threads: ~1.8 KB), which the measured run subtracts:
        // a cost per stream, not per record. (Measured in the measured run itself, at its first record, it would put a
        // runtime suspension, GetTotalAllocatedBytes(precise: true)'s, inside the timed window.)
        long setupBytes = 0;
        for (var pass = 0; pass < 3; pass++)
        {
            setupBytes = RunStream(collection, program, viaPerf, Math.Min(records, 32_768u), producerCpus, consumerCpu, consume, measureSetup: pass == 2).Setup;
            Thread.Sleep(250);
        }
        var (delivered, dropped, total, _, elapsed) = RunStream(collection, program, viaPerf, records, producerCpus, consumerCpu, consume, measureSetup: false);
        var allocated = Math.Max(0, total - setupBytes);
        Print("stream", setup, records, $" consumer={consumer}", delivered == 0 ? 0 : elapsed.TotalNanoseconds / delivered,
            delivered == 0 ? 0 : (double)allocated / delivered, delivered, dropped, delivered / elapsed.TotalSeconds);
    }

    /// <summary>One run: the consumer thread on its CPU starts streaming, then the producers on theirs write <paramref name="records"/> records.</summary>
    /// <returns>Delivered and dropped records, bytes allocated over every thread, those allocated up to the first record (<paramref name="measureSetup"/>), wall time.</returns>
    private static (long Delivered, ulong Dropped, long Allocated, long Setup, TimeSpan Elapsed) RunStream(
        Collection collection, ManagedBpf.Programs.Program program, bool viaPerf, uint records, int[] producerCpus, int consumerCpu, Func<AsyncStreamState, Task> consume, bool measureSetup)
    {
        var dropsBefore = Drops(collection, viaPerf);
        using var state = new AsyncStreamState { SnapshotAtFirst = measureSetup };
        var producer = new StreamState { Producing = producerCpus.Length };
        ulong dropped = 0;
        long allocated = 0;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var start = Stopwatch.GetTimestamp();
        RunWithConsumer(
            consumerCpu,
            () => consume(state).GetAwaiter().GetResult(),
            () => Volatile.Read(ref state.ConsumerStarted) != 0,
            () =>
            {
                RunProducers(program, viaPerf, producerCpus, records, producer);
                var produced = Share(records, producerCpus.Length) * (uint)producerCpus.Length;
                dropped = Drops(collection, viaPerf) - dropsBefore;
                Volatile.Write(ref state.Expected, (long)(produced - dropped));
                WaitForRecords(state);
                allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore; // every thread, producers included (they allocate nothing per test run)
                state.Stop.Cancel(); // ends the stream if it is waiting (all delivered before Expected was known)
            },
            producer);
        var setupBytes = measureSetup ? Volatile.Read(ref state.AllocatedAtFirst) - allocatedBefore : 0;
        return (Volatile.Read(ref state.Delivered), dropped, allocated, setupBytes, Stopwatch.GetElapsedTime(start, Volatile.Read(ref state.LastRecord)));
    }

    /// <summary>Waits until the consumer has every record the producer did not drop (at most 10 s: a record can only be missing if the reader lost it).</summary>
    private static void WaitForRecords(AsyncStreamState state)
    {
        var deadline = Stopwatch.GetTimestamp() + (10 * Stopwatch.Frequency);
        while (Volatile.Read(ref state.Delivered) < Volatile.Read(ref state.Expected) && Stopwatch.GetTimestamp() < deadline)
            Thread.Sleep(1);
    }

    /// <summary>
    /// The consumer: <c>await foreach</c> until it has every record, or the stream is cancelled (the idiom the README shows:
    /// <see cref="OperationCanceledException"/> ends a cancelled stream).
    /// </summary>
    private static async Task ConsumeStreamAsync<T>(IAsyncEnumerable<T> stream, Func<T, ulong> touch, AsyncStreamState state)
    {
        Volatile.Write(ref state.ConsumerStarted, 1);
        long delivered = 0;
        ulong checksum = 0;
        try
        {
            await foreach (var record in stream.ConfigureAwait(false))
            {
                checksum += touch(record);
                if (delivered == 0 && state.SnapshotAtFirst)
                    Volatile.Write(ref state.AllocatedAtFirst, GC.GetTotalAllocatedBytes(precise: true));
                Volatile.Write(ref state.Delivered, ++delivered);
                state.LastRecord = Stopwatch.GetTimestamp();
                if (delivered >= Volatile.Read(ref state.Expected))
                    break;
            }
        }
        catch (OperationCanceledException) when (state.Stop.IsCancellationRequested)
        {
        }
        GC.KeepAlive(checksum);
    }

    /// <summary>What the asynchronous stream's producer and consumer tell each other.</summary>
    private sealed class AsyncStreamState : IDisposable
    {
        public readonly CancellationTokenSource Stop = new();
        public long Expected = long.MaxValue;
        public long Delivered;
        public long LastRecord;
        public bool SnapshotAtFirst;
        public long AllocatedAtFirst;
        public int ConsumerStarted;

        public void Dispose() => Stop.Dispose();
    }

    /// <summary>A 64-byte record read by the typed stream: the sequence number the producer writes first, then 56 bytes.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 64)]
    private readonly struct Event64
    {
        public readonly ulong Seq;
    }
}
