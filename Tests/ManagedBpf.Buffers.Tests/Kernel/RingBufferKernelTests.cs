using System.Buffers;
using System.Buffers.Binary;
using ManagedBpf.Buffers.Ring;
using ManagedBpf.Buffers.Tests.Support;
using ManagedBpf.Kernel;
using ManagedBpf.TestSupport;
using static ManagedBpf.Buffers.Tests.Support.KernelObjects;

namespace ManagedBpf.Buffers.Tests.Kernel;

/// <summary>A <see cref="RingBuffer"/> over a real BPF_MAP_TYPE_RINGBUF filled by programs run with BPF_PROG_TEST_RUN.</summary>
public sealed class RingBufferKernelTests
{
    private const int EAGAIN = 11;

    [KernelFact]
    public void Records_from_bpf_ringbuf_output_arrive_intact_and_in_order_across_many_wraps()
    {
        const ulong size = 16 * 1024;
        using var map = RingBuffer(size);
        using var ring = new RingBuffer(map);
        int[] sizes = [8, 24, 64, 136, 256];
        var producers = sizes.ToDictionary(s => s, s => Producers.RingOutput(map, s));
        try
        {
            var collector = new Collector();
            ulong produced = 0;
            for (var round = 0; round < 40; round++)
            {
                // About 60% of the ring per round, so records straddle the end of the data area again and again.
                for (var i = 0; i < 60; i++, produced++)
                {
                    var recordSize = sizes[(int)(produced % (ulong)sizes.Length)];
                    Assert.Equal(0, producers[recordSize].Run(Record(produced, recordSize)));
                }
                var result = ring.Consume(ref collector);
                Assert.Equal(RingStopReason.Empty, result.StopReason);
                Assert.Equal(60, result.Records);
                Assert.Equal(0ul, ring.AvailableBytes);
            }

            Assert.Equal((int)produced, collector.Records.Count);
            for (var seq = 0; seq < collector.Records.Count; seq++)
                Assert.Equal(Record((ulong)seq, sizes[seq % sizes.Length]), collector.Records[seq]);
            Assert.True(ring.ConsumerPosition > 4 * size, "the ring wrapped several times");
        }
        finally
        {
            foreach (var producer in producers.Values)
                producer.Dispose();
        }
    }

    [KernelFact]
    public void A_record_discarded_after_a_later_one_was_submitted_is_skipped_and_counted()
    {
        using var map = RingBuffer(4096);
        using var ring = new RingBuffer(map);
        using var producer = Producers.RingReserveSubmitDiscard(map);
        for (ulong seq = 0; seq < 10; seq++)
            Assert.Equal(0, producer.Run(BitConverter.GetBytes(seq)));

        var tags = new List<(ulong Seq, ulong Tag)>();
        var result = ring.Consume(p => tags.Add((BinaryPrimitives.ReadUInt64LittleEndian(p), BinaryPrimitives.ReadUInt64LittleEndian(p[8..]))));

        Assert.Equal(10, result.Records);
        Assert.Equal(10, result.Discarded);
        Assert.Equal(20ul * 24, result.ConsumedBytes); // both records of every run are passed over
        Assert.Equal(Enumerable.Range(0, 10).Select(s => ((ulong)s, 0xBul)), tags);
    }

    [KernelFact]
    public void A_full_ring_refuses_the_producer_until_it_is_consumed()
    {
        using var map = RingBuffer(4096);
        using var ring = new RingBuffer(map);
        using var producer = Producers.RingOutput(map, 248); // 256-byte footprint: 15 fit, as the kernel keeps one byte free
        var accepted = 0;
        while (producer.Run(Record((ulong)accepted, 248)) == 0)
            accepted++;
        Assert.Equal(-EAGAIN, producer.Run(Record(99, 248)));
        Assert.Equal(15, accepted);
        Assert.Equal(15ul * 256, ring.AvailableBytes);

        var count = 0L;
        Assert.Equal(15, ring.Consume(_ => count++).Records);
        Assert.Equal(0, producer.Run(Record(15, 248)));
    }

    [KernelFact]
    public void Reports_size_and_positions_and_moves_the_consumer_as_records_are_consumed()
    {
        using var map = RingBuffer(8192);
        using var ring = new RingBuffer(map);
        using var producer = Producers.RingOutput(map, 16);
        Assert.Equal(8192ul, ring.Size);
        Assert.Equal(map.Name, ring.Name);
        for (ulong seq = 0; seq < 3; seq++)
            producer.Run(Record(seq, 16));

        Assert.Equal(0ul, ring.ConsumerPosition);
        Assert.Equal(72ul, ring.ProducerPosition);
        Assert.Equal(72ul, ring.AvailableBytes);

        var count = 0L;
        var result = ring.ConsumeN(_ => count++, 2, RingCommitPolicy.PerBatch);
        Assert.Equal(RingStopReason.MaxRecords, result.StopReason);
        Assert.Equal(48ul, ring.ConsumerPosition);
        Assert.Equal(24ul, ring.AvailableBytes);
    }

    [KernelFact]
    public void Copying_reads_take_one_record_at_a_time()
    {
        using var map = RingBuffer(4096);
        using var ring = new RingBuffer(map);
        using var producer = Producers.RingOutput(map, 32);
        producer.Run(Record(1, 32));
        producer.Run(Record(2, 32));

        Assert.True(ring.TryRead(out var first));
        Assert.Equal(Record(1, 32), first);
        var writer = new ArrayBufferWriter<byte>();
        Assert.True(ring.TryRead(writer, out var length));
        Assert.Equal(32, length);
        Assert.Equal(Record(2, 32), writer.WrittenSpan.ToArray());
        Assert.False(ring.TryRead(out var none));
        Assert.Null(none);
        Assert.False(ring.TryRead(writer, out length));
        Assert.Equal(0, length);
    }

    [KernelFact]
    public void Opens_the_same_ring_from_a_descriptor_and_from_a_pin()
    {
        using var map = RingBuffer(4096);
        using var producer = Producers.RingOutput(map, 8);
        producer.Run(Record(7, 8));
        using var pins = new BpfFsDirectory();
        map.Pin(pins["ring"]);

        using (var byFd = new RingBuffer(map.Handle))
        {
            Assert.Equal(map.Name, byFd.Name);
            Assert.Equal(16ul, byFd.AvailableBytes);
        }
        using var pinned = Buffers.Ring.RingBuffer.OpenPinned(pins["ring"]);
        Assert.True(pinned.TryRead(out var record));
        Assert.Equal(Record(7, 8), record);
    }

    [KernelFact]
    public void A_map_of_another_type_is_refused_with_both_types_named()
    {
        using var perf = PerfEventArray();
        var e = Assert.Throws<ArgumentException>(() => new RingBuffer(perf));
        Assert.Contains("PERF_EVENT_ARRAY", e.Message);
        Assert.Contains("RINGBUF", e.Message);
        using var user = UserRingBuffer(4096);
        Assert.Throws<ArgumentException>(() => new RingBuffer(user.Handle));
        using var ringMap = RingBuffer(4096);
        using var program = Producers.RingOutput(ringMap, 8);
        Assert.Contains("not a BPF map", Assert.Throws<ArgumentException>(() => new RingBuffer(program.Handle)).Message);
    }

    [KernelFact]
    public unsafe void A_consumer_position_ahead_of_the_producer_is_reported_with_both_positions()
    {
        using var map = RingBuffer(4096);
        using var ring = new RingBuffer(map);
        using var producer = Producers.RingOutput(map, 8);
        producer.Run(Record(1, 8));
        // The consumer page is writable to user space: damage consumer_pos as a stray write would.
        using (var consumerPage = SafeMmapHandle.Map(map.Handle, (nuint)KernelInfo.PageSize, MemoryProtection.ReadWrite, 0))
        using (var lease = consumerPage.Acquire())
            *(ulong*)lease.Pointer = 64;

        var e = Assert.Throws<RingCorruptedException>(() => ring.Consume(_ => { }));
        Assert.Equal(64ul, e.ConsumerPosition);
        Assert.Equal(16ul, e.ProducerPosition);
        Assert.Equal(4096ul, e.RingSize);
        Assert.Contains("ahead of the producer position", e.Message);
    }

    [KernelFact]
    public void A_handler_cannot_consume_its_own_ring()
    {
        using var map = RingBuffer(4096);
        using var ring = new RingBuffer(map);
        using var producer = Producers.RingOutput(map, 8);
        producer.Run(Record(1, 8));
        producer.Run(Record(2, 8));
        var e = Assert.Throws<InvalidOperationException>(() => ring.Consume(_ => ring.Consume(_ => { })));
        Assert.Contains("must not consume its own ring", e.Message);
        Assert.Equal(16ul, ring.AvailableBytes); // the first record counts as consumed, the second is still there
    }

    [KernelFact]
    public void Dispose_on_another_thread_waits_for_the_drain_in_progress_before_unmapping()
    {
        using var map = RingBuffer(4096);
        var ring = new RingBuffer(map);
        using var producer = Producers.RingOutput(map, 64);
        for (ulong seq = 0; seq < 4; seq++)
            producer.Run(Record(seq, 64));

        using var inHandler = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var seen = new List<byte[]>();
        var drain = Task.Run(() => ring.Consume(p =>
        {
            if (seen.Count == 0)
            {
                inHandler.Set();
                release.Wait();
            }
            seen.Add(p.ToArray()); // reads the mapping after Dispose returned
        }));
        Assert.True(inHandler.Wait(TimeSpan.FromSeconds(10)));
        ring.Dispose();
        Assert.Throws<ObjectDisposedException>(() => ring.Consume(_ => { }));
        Assert.False(ring.Unmapped);
        release.Set();
        Assert.Equal(4, drain.Wait(TimeSpan.FromSeconds(10)) ? drain.Result.Records : -1);
        Assert.True(ring.Unmapped); // by the drain, as it ended
        Assert.Equal(Enumerable.Range(0, 4).Select(s => Record((ulong)s, 64)), seen);
    }

    private struct Collector() : IRingRecordHandler
    {
        public List<byte[]> Records { get; } = [];

        public readonly bool OnRecord(ReadOnlySpan<byte> payload)
        {
            Records.Add(payload.ToArray());
            return true;
        }
    }
}
