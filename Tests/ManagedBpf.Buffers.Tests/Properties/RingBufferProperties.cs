using FsCheck;
using FsCheck.Fluent;
using ManagedBpf.Buffers.Ring;
using ManagedBpf.Buffers.Simulation;
using ManagedBpf.Buffers.Tests.Support;

namespace ManagedBpf.Buffers.Tests.Properties;

/// <summary>
/// Random interleavings of reserve, submit, discard and consume against a model of what a consumer must see: exactly
/// the committed, non-discarded records, in reservation order, with their bytes, stopping at the first BUSY record.
/// </summary>
public sealed class RingBufferProperties
{
    public abstract record RingOp;

    public sealed record Reserve(uint Length) : RingOp;

    public sealed record Submit(int Pick) : RingOp;

    public sealed record Discard(int Pick) : RingOp;

    public sealed record Consume(int Max, RingCommitPolicy Policy) : RingOp;

    public sealed record Scenario(int Pages, ulong Start, RingOp[] Ops)
    {
        public ulong Size => (ulong)Pages * 4096;

        public override string ToString() => $"{Size}-byte ring from 0x{Start:X}: {string.Join(", ", Ops.Select(o => o.ToString()))}";
    }

    private readonly Coverage _coverage = new();

    [Fact]
    public void TheConsumerSeesExactlyTheCommittedRecordsInOrder()
    {
        PropertyRuns.Check(PropertyRuns.Ring, Scenarios(), s => Shrink.Ops(s.Ops).Select(ops => s with { Ops = ops }), Run);
        _coverage.AssertReached(
            "stop at busy", "busy with committed records behind it", "discard", "failed reservation",
            "record wraps the data area", "position wraps 2^64", "largest record", "max records", "empty record");
    }

    private static Gen<Scenario> Scenarios() =>
        from pages in Gen.Elements(1, 2, 4, 8, 16)
        from start in Starts((ulong)pages * 4096)
        from count in Gen.Choose(0, 160)
        from ops in Gen.ArrayOf(Ops((ulong)pages * 4096), count)
        select new Scenario(pages, start, ops);

    /// <summary>0, just below 2^64 (so the counters wrap during the run), or anywhere.</summary>
    private static Gen<ulong> Starts(ulong size) => Gen.OneOf(
        Gen.Constant(0UL),
        Gen.Choose(1, (int)(size / 2)).Select(k => 0UL - 8 * (ulong)k),
        Gen.Choose(0, int.MaxValue).Select(k => (ulong)k * 0x1_0000_0008UL & ~7UL));

    private static Gen<RingOp> Ops(ulong size) => Gen.Frequency(
        (8, Lengths(size).Select(RingOp (l) => new Reserve(l))),
        (5, Gen.Choose(0, 1000).Select(RingOp (p) => new Submit(p))),
        (2, Gen.Choose(0, 1000).Select(RingOp (p) => new Discard(p))),
        (3, Gen.Elements(0, 0, 1, 3).SelectMany(max => Gen.Elements(RingCommitPolicy.PerRecord, RingCommitPolicy.PerBatch), RingOp (max, policy) => new Consume(max, policy))));

    /// <summary>Mostly small; some up to a quarter ring; some at the edge of what fits; some past the kernel's limits.</summary>
    private static Gen<uint> Lengths(ulong size) => Gen.Frequency(
        (10, Gen.Choose(0, 64).Select(l => (uint)l)),
        (6, Gen.Elements(13u, 13u, 16u)), // runs of one length: the consumer's fast path
        (5, Gen.Choose(0, (int)(size / 4)).Select(l => (uint)l)),
        (2, Gen.Choose((int)size - 24, (int)size + 8).Select(l => (uint)l)),
        (1, Gen.Elements(RingBufferAbi.RINGBUF_MAX_RECORD_SZ, RingBufferAbi.RINGBUF_MAX_RECORD_SZ + 1, uint.MaxValue)));

    private sealed class Record(RingReservation reservation, byte[] payload)
    {
        public RingReservation Reservation { get; } = reservation;

        public byte[] Payload { get; } = payload;

        public bool Busy { get; set; } = true;

        public bool Discarded { get; set; }
    }

    private void Run(Scenario scenario)
    {
        var size = scenario.Size;
        using var ring = new RingBufferSimulator(size, scenario.Start);
        var unread = new List<Record>();    // reserved and not yet consumed, in reservation order
        var outstanding = new List<Record>(); // still BUSY
        var producer = scenario.Start;
        long attempts = 0, failures = 0, delivered = 0, discarded = 0, sequence = 0;

        foreach (var op in scenario.Ops)
        {
            switch (op)
            {
                case Reserve(var length):
                    attempts++;
                    var footprint = RingBufferAbi.RecordFootprint(length & RingBufferAbi.PayloadLengthMask);
                    var fits = length <= RingBufferAbi.RINGBUF_MAX_RECORD_SZ && footprint <= size
                        && producer + footprint - ring.ConsumerPosition <= size - 1;
                    Assert.Equal(fits, ring.TryReserve(length, out var reservation));
                    if (!fits)
                    {
                        failures++;
                        _coverage.Hit("failed reservation");
                        break;
                    }

                    _coverage.Hit("record wraps the data area", (producer & (size - 1)) + footprint > size);
                    _coverage.Hit("position wraps 2^64", producer + footprint < producer);
                    _coverage.Hit("largest record", footprint == size - 8);
                    _coverage.Hit("empty record", length == 0);

                    Assert.Equal(producer, reservation.Position);
                    producer += footprint;
                    var record = new Record(reservation, Payloads.For(sequence++, (int)length));
                    ring.Write(reservation, 0, record.Payload);
                    unread.Add(record);
                    outstanding.Add(record);
                    break;

                case Submit(var pick) when outstanding.Count > 0:
                    Commit(ring, outstanding, pick, discard: false);
                    break;

                case Discard(var pick) when outstanding.Count > 0:
                    Commit(ring, outstanding, pick, discard: true);
                    break;

                case Consume(var max, var policy):
                    (var d, var x) = ConsumeAndCheck(ring, unread, max, policy);
                    delivered += d;
                    discarded += x;
                    break;
            }

            Assert.Equal(producer, ring.ProducerPosition);
        }

        // Commit what is left, drain, and account for every reservation attempt.
        while (outstanding.Count > 0)
            Commit(ring, outstanding, 0, discard: false);
        (var lastDelivered, var lastDiscarded) = ConsumeAndCheck(ring, unread, 0, RingCommitPolicy.PerBatch);
        delivered += lastDelivered;
        discarded += lastDiscarded;
        Assert.Empty(unread);
        Assert.Equal(ring.ProducerPosition, ring.ConsumerPosition);
        Assert.Equal(attempts, failures + delivered + discarded);
    }

    private void Commit(RingBufferSimulator ring, List<Record> outstanding, int pick, bool discard)
    {
        var record = outstanding[pick % outstanding.Count];
        outstanding.Remove(record);
        record.Busy = false;
        record.Discarded = discard;
        _coverage.Hit("discard", discard);
        if (discard)
            ring.Discard(record.Reservation);
        else
            ring.Submit(record.Reservation);
    }

    /// <summary>Drains once and checks the result against the model; returns (delivered, discarded).</summary>
    private (long Delivered, long Discarded) ConsumeAndCheck(RingBufferSimulator ring, List<Record> unread, int max, RingCommitPolicy policy)
    {
        // The model: walk from the oldest unread record, skip discarded ones, stop at BUSY or after max deliveries.
        var expected = new List<Record>();
        var expectedDiscards = 0;
        var taken = 0;
        var reason = RingStopReason.Empty;
        while (taken < unread.Count)
        {
            var record = unread[taken];
            if (record.Busy)
            {
                reason = RingStopReason.Busy;
                break;
            }

            taken++;
            if (record.Discarded)
            {
                expectedDiscards++;
                continue;
            }

            expected.Add(record);
            if (expected.Count == max)
            {
                reason = RingStopReason.MaxRecords;
                break;
            }
        }

        var view = ring.View;
        var recorder = new RingRecorder(view);
        var result = max == 0
            ? RingConsumer.Consume(view, ref recorder, policy)
            : RingConsumer.ConsumeN(view, ref recorder, max, policy);

        Assert.Equal(0, recorder.OutOfBounds);
        Assert.Equal(expected.Count, recorder.Records.Count);
        for (var i = 0; i < expected.Count; i++)
            Assert.True(expected[i].Payload.AsSpan().SequenceEqual(recorder.Records[i]), $"record {i} differs");
        Assert.Equal(expected.Count, result.Records);
        Assert.Equal(expectedDiscards, result.Discarded);
        Assert.Equal(expected.Sum(r => (long)r.Payload.Length), result.PayloadBytes);
        Assert.Equal(reason, result.StopReason);
        var consumer = taken < unread.Count ? unread[taken].Reservation.Position : ring.ProducerPosition;
        Assert.Equal(consumer, ring.ConsumerPosition);
        _coverage.Hit("stop at busy", reason == RingStopReason.Busy);
        _coverage.Hit("busy with committed records behind it", reason == RingStopReason.Busy && unread.Skip(taken).Any(r => !r.Busy));
        _coverage.Hit("max records", reason == RingStopReason.MaxRecords);
        unread.RemoveRange(0, taken);
        return (expected.Count, expectedDiscards);
    }
}
