using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using ManagedBpf.Buffers.Ring;
using ManagedBpf.Buffers.Tests.Support;
using ManagedBpf.TestSupport;
using Xunit.Abstractions;
using static ManagedBpf.Buffers.Tests.Support.KernelObjects;

namespace ManagedBpf.Buffers.Tests.Kernel;

/// <summary>Waiting on real ring buffers: epoll wake-ups, BPF_RB_NO_WAKEUP, cancellation, disposal, the async faces.</summary>
public sealed class RingBufferSetKernelTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [KernelFact]
    public void A_waiting_poll_wakes_when_a_program_commits_a_record()
    {
        using var map = RingBuffer(4096);
        using var set = new RingBufferSet();
        set.Add(map);
        using var producer = Producers.RingOutput(map, 16);
        Assert.False(set.Poll(ref Unused(), 0).Records > 0); // the first pass looks at every ring: nothing yet

        var poll = new BlockingCall<(RingConsumeResult Result, List<byte[]> Records)>(() =>
        {
            var collector = new Collector();
            var result = set.Poll(ref collector, -1);
            return (result, collector.Records);
        });
        poll.WaitUntilBlockedInEpollAsync().GetAwaiter().GetResult(); // nothing to read: it sleeps
        Assert.Equal(0, producer.Run(Record(42, 16)));

        Assert.True(poll.Completion.Wait(Patience));
        Assert.Equal(1, poll.Completion.Result.Result.Records);
        Assert.Equal(Record(42, 16), Assert.Single(poll.Completion.Result.Records));
    }

    [KernelFact]
    public void Records_produced_with_no_wakeup_wake_nobody_and_are_picked_up_by_the_flush()
    {
        using var map = RingBuffer(4096);
        using var set = new RingBufferSet();
        set.Add(map);
        using var quiet = Producers.RingOutput(map, 8, Producers.NoWakeup);
        set.ConsumeAll(ref Unused());

        for (ulong seq = 0; seq < 3; seq++)
            Assert.Equal(0, quiet.Run(Record(seq, 8)));
        Assert.False(set.Wait(100));
        Assert.Equal(48ul, set[0].AvailableBytes); // three 16-byte records

        var collector = new Collector();
        Assert.Equal(3, set.ConsumeAll(ref collector).Records);
        Assert.Equal([Record(0, 8), Record(1, 8), Record(2, 8)], collector.Records);
    }

    [KernelFact]
    public void Each_ring_delivers_to_its_own_callback()
    {
        using var first = RingBuffer(4096);
        using var second = RingBuffer(8192);
        using var set = new RingBufferSet();
        var fromFirst = new List<ulong>();
        var fromSecond = new List<ulong>();
        Assert.Equal(0, set.Add(first, p => fromFirst.Add(BinaryPrimitives.ReadUInt64LittleEndian(p))));
        Assert.Equal(1, set.Add(new RingBuffer(second), p => fromSecond.Add(BinaryPrimitives.ReadUInt64LittleEndian(p))));
        using var intoFirst = Producers.RingOutput(first, 8);
        using var intoSecond = Producers.RingOutput(second, 8);
        for (ulong seq = 0; seq < 5; seq++)
        {
            intoFirst.Run(Record(seq, 8));
            intoSecond.Run(Record(100 + seq, 8));
        }

        var total = 0L;
        while (total < 10)
            total += set.Poll(5000).Records;

        Assert.Equal([0ul, 1, 2, 3, 4], fromFirst);
        Assert.Equal([100ul, 101, 102, 103, 104], fromSecond);
        Assert.Equal(2, set.Count);
    }

    [KernelFact]
    public void A_ring_without_a_callback_is_named_when_polled_with_callbacks()
    {
        using var map = RingBuffer(4096);
        using var set = new RingBufferSet();
        set.Add(map);
        var e = Assert.Throws<InvalidOperationException>(() => set.ConsumeAll());
        Assert.Contains(map.Name, e.Message);
    }

    [KernelFact]
    public void A_wait_times_out_and_a_cancelled_wait_ends_promptly()
    {
        using var map = RingBuffer(4096);
        using var set = new RingBufferSet();
        set.Add(map);
        set.ConsumeAll(ref Unused());

        var clock = Stopwatch.StartNew();
        Assert.False(set.Wait(150));
        Assert.InRange(clock.ElapsedMilliseconds, 140, 5000);

        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));
        clock.Restart();
        Assert.Throws<OperationCanceledException>(() => set.Wait(-1, cancel.Token));
        Assert.InRange(clock.ElapsedMilliseconds, 100, 5000);
    }

    [KernelFact]
    public void One_consumer_at_a_time()
    {
        using var map = RingBuffer(4096);
        using var set = new RingBufferSet();
        set.Add(map);
        set.ConsumeAll(ref Unused());
        using var cancel = new CancellationTokenSource();
        var waiting = Task.Run(() => set.Wait(-1, cancel.Token));
        // Whichever of the two waits comes second is refused.
        Assert.True(SpinWait.SpinUntil(() =>
        {
            try
            {
                set.Wait(0);
                return waiting.IsFaulted;
            }
            catch (InvalidOperationException e)
            {
                return e.Message.Contains("Another wait", StringComparison.Ordinal);
            }
        }, Patience));
        cancel.Cancel();
        var ended = Assert.ThrowsAny<Exception>(() => waiting.GetAwaiter().GetResult());
        Assert.True(ended is OperationCanceledException or InvalidOperationException, ended.ToString());
    }

    [KernelFact]
    public void Disposing_the_set_wakes_a_thread_blocked_in_wait()
    {
        using var map = RingBuffer(4096);
        var set = new RingBufferSet();
        set.Add(map);
        set.ConsumeAll(ref Unused());
        var waiting = new BlockingCall<bool>(() => set.Wait(-1));
        waiting.WaitUntilBlockedInEpollAsync().GetAwaiter().GetResult();
        set.Dispose();
        Assert.True(((IAsyncResult)waiting.Completion).AsyncWaitHandle.WaitOne(Patience));
        Assert.IsType<ObjectDisposedException>(waiting.Completion.Exception?.InnerException);
        Assert.Throws<ObjectDisposedException>(() => set[0].Consume(_ => { })); // the set disposed the ring it owned
    }

    [KernelFact]
    public async Task An_async_wait_completes_on_a_commit_and_disposal_faults_a_pending_one()
    {
        using var map = RingBuffer(4096);
        var set = new RingBufferSet();
        set.Add(map);
        using var producer = Producers.RingOutput(map, 8);
        set.ConsumeAll(ref Unused());

        var wait = set.WaitAsync();
        Assert.False(wait.IsCompleted);
        producer.Run(Record(1, 8));
        Assert.True(await wait.AsTask().WaitAsync(Patience));
        Assert.Equal(1, set.ConsumeReady(ref Unused()).Records);

        Assert.False(await set.WaitAsync(50)); // timeout
        var pending = set.WaitAsync().AsTask();
        await Task.Delay(50);
        set.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pending.WaitAsync(Patience));
    }

    [KernelFact]
    public async Task The_async_streams_yield_copies_and_decoded_structs_and_end_on_cancellation()
    {
        using var map = RingBuffer(16 * 1024);
        using var set = new RingBufferSet();
        set.Add(map);
        using var producer = Producers.RingOutput(map, 24);
        using var cancel = new CancellationTokenSource(Patience);

        var produce = Task.Run(async () =>
        {
            for (ulong seq = 0; seq < 2000; seq++)
            {
                while (producer.Run(Record(seq, 24)) != 0)
                    await Task.Delay(1); // full: let the stream catch up
                if (seq % 500 == 0)
                    await Task.Delay(20); // and sometimes go quiet, so that the stream waits
            }
        });
        var next = 0UL;
        await foreach (var record in set.ReadAllAsync<Event>(cancel.Token))
        {
            Assert.Equal(next, record.Seq);
            Assert.Equal(Record(next, 24).AsSpan(8).ToArray(), MemoryMarshal.AsBytes(new ReadOnlySpan<Event>(in record))[8..].ToArray());
            if (++next == 1000)
                break;
        }
        await foreach (var record in set.ReadAllAsync(cancel.Token))
        {
            Assert.Equal(Record(next, 24), record);
            if (++next == 2000)
                break;
        }
        await produce;

        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var unused in set.ReadAllAsync(stop.Token))
                Assert.Fail("nothing was produced");
        });
    }

    /// <summary>
    /// A producer thread reserves, submits and discards as fast as it can while the consumer sleeps in Poll between
    /// bursts: every record arrives in order, and no wakeup is lost although the consumer regularly stops at a record
    /// that is still BUSY (the edge-triggered wait sleeps then, instead of spinning).
    /// </summary>
    [KernelFact]
    public void Under_a_concurrent_producer_no_record_and_no_wakeup_is_lost()
    {
        const int Runs = 20_000;
        using var map = RingBuffer(8192);
        using var set = new RingBufferSet();
        set.Add(map);
        using var producer = Producers.RingReserveSubmitDiscard(map);
        set.ConsumeAll(ref Unused());

        var producing = Task.Factory.StartNew(() =>
        {
            for (ulong seq = 0; seq < Runs;)
            {
                if (producer.Run(BitConverter.GetBytes(seq)) == 0)
                    seq++;
                else
                    Thread.Yield(); // full
            }
        }, TaskCreationOptions.LongRunning);

        var checker = new SequenceChecker();
        long polls = 0, emptyPolls = 0, busyStops = 0;
        var clock = Stopwatch.StartNew();
        while (checker.Next < Runs && clock.Elapsed < Patience)
        {
            var result = set.Poll(ref checker, 1000);
            polls++;
            emptyPolls += result.Records == 0 ? 1 : 0;
            busyStops += result.StopReason == RingStopReason.Busy ? 1 : 0;
        }
        Assert.True(producing.Wait(Patience));
        output.WriteLine($"{checker.Next} records in {polls} polls ({emptyPolls} empty, {busyStops} stopped at a BUSY record) in {clock.ElapsedMilliseconds} ms");
        Assert.Equal((ulong)Runs, checker.Next);
        Assert.Null(checker.Error);
    }

    private static ref Collector Unused() => ref UnusedCollector.Value;

    private static class UnusedCollector
    {
        [ThreadStatic]
        private static Collector _value;

        internal static ref Collector Value => ref _value;
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly struct Event
    {
        public readonly ulong Seq;
        public readonly ulong A;
        public readonly ulong B;
    }

    private struct Collector() : IRingRecordHandler
    {
        public List<byte[]> Records { get; } = [];

        public readonly bool OnRecord(ReadOnlySpan<byte> payload)
        {
            Records?.Add(payload.ToArray());
            return true;
        }
    }

    private struct SequenceChecker : IRingRecordHandler
    {
        public ulong Next;
        public string? Error;

        public bool OnRecord(ReadOnlySpan<byte> payload)
        {
            var seq = BinaryPrimitives.ReadUInt64LittleEndian(payload);
            var tag = BinaryPrimitives.ReadUInt64LittleEndian(payload[8..]);
            if (seq != Next || tag != 0xB)
                Error ??= $"expected record {Next} (tag 0xB), got {seq} (tag 0x{tag:X})";
            Next++;
            return true;
        }
    }
}
