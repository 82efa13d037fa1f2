using System.Text;
using ManagedBpf.Buffers.Ring;
using ManagedBpf.Buffers.Simulation;
using ManagedBpf.Buffers.Tests.Support;

namespace ManagedBpf.Buffers.Tests.Ring;

public sealed class RingConsumerTests
{
    [Fact]
    public void DeliversCommittedRecordsInOrderAndAdvancesTheConsumer()
    {
        using var ring = new RingBufferSimulator(4096);
        Assert.True(ring.TryOutput("one"u8));
        Assert.True(ring.TryOutput("two!"u8));
        Assert.True(ring.TryOutput(""u8));

        var recorder = new RingRecorder(ring.View);
        var result = RingConsumer.Consume(ring.View, ref recorder);

        Assert.Equal(["one", "two!", ""], recorder.Records.Select(r => Encoding.ASCII.GetString(r)));
        Assert.Equal(3, result.Records);
        Assert.Equal(7, result.PayloadBytes);
        Assert.Equal(0, result.Discarded);
        Assert.Equal(16ul + 16 + 8, result.ConsumedBytes);
        Assert.Equal(RingStopReason.Empty, result.StopReason);
        Assert.Equal(ring.ProducerPosition, ring.ConsumerPosition);
    }

    [Fact]
    public void StopsAtBusyEvenWhenLaterRecordsAreCommitted()
    {
        using var ring = new RingBufferSimulator(4096);
        Assert.True(ring.TryOutput("a"u8));
        Assert.True(ring.TryReserve(4, out var pending));
        Assert.True(ring.TryOutput("c"u8));

        var recorder = new RingRecorder(ring.View);
        var first = RingConsumer.Consume(ring.View, ref recorder);
        Assert.Equal(RingStopReason.Busy, first.StopReason);
        Assert.Single(recorder.Records);
        Assert.Equal(pending.Position, ring.ConsumerPosition);

        ring.Write(pending, 0, "bbbb"u8);
        ring.Submit(pending);
        var second = RingConsumer.Consume(ring.View, ref recorder);
        Assert.Equal(RingStopReason.Empty, second.StopReason);
        Assert.Equal(["a", "bbbb", "c"], recorder.Records.Select(r => Encoding.ASCII.GetString(r)));
    }

    [Fact]
    public void SkipsDiscardedRecordsButAdvancesPastThem()
    {
        using var ring = new RingBufferSimulator(4096);
        Assert.True(ring.TryReserve(100, out var dropped));
        Assert.True(ring.TryOutput("kept"u8));
        ring.Discard(dropped);

        var recorder = new RingRecorder(ring.View);
        var result = RingConsumer.Consume(ring.View, ref recorder);
        Assert.Equal(1, result.Records);
        Assert.Equal(1, result.Discarded);
        Assert.Equal(RingBufferAbi.RecordFootprint(100) + RingBufferAbi.RecordFootprint(4), result.ConsumedBytes);
        Assert.Equal("kept", Encoding.ASCII.GetString(Assert.Single(recorder.Records)));
    }

    [Fact]
    public void ConsumeNDeliversAtMostNAndLeavesTheRest()
    {
        using var ring = new RingBufferSimulator(4096);
        for (var i = 0; i < 5; i++)
            Assert.True(ring.TryOutput(Payloads.For(i, 10)));

        var recorder = new RingRecorder(ring.View);
        var result = RingConsumer.ConsumeN(ring.View, ref recorder, 2);
        Assert.Equal(2, result.Records);
        Assert.Equal(RingStopReason.MaxRecords, result.StopReason);
        Assert.Equal(2 * RingBufferAbi.RecordFootprint(10), ring.ConsumerPosition);

        result = RingConsumer.ConsumeN(ring.View, ref recorder, 10);
        Assert.Equal(3, result.Records);
        Assert.Equal(RingStopReason.Empty, result.StopReason);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => Payloads.For(i, 10)), recorder.Records);
        Assert.Throws<ArgumentOutOfRangeException>(() => RingConsumer.ConsumeN(ring.View, ref recorder, 0));
    }

    [Fact]
    public void AHandlerThatReturnsFalseStopsAfterItsRecordIsCommitted()
    {
        using var ring = new RingBufferSimulator(4096);
        for (var i = 0; i < 3; i++)
            Assert.True(ring.TryOutput(Payloads.For(i, 3)));

        foreach (var commit in new[] { RingCommitPolicy.PerRecord, RingCommitPolicy.PerBatch })
        {
            var recorder = new RingRecorder(ring.View, stopAfter: 1);
            var result = RingConsumer.Consume(ring.View, ref recorder, commit);
            Assert.Equal(RingStopReason.HandlerStopped, result.StopReason);
            Assert.Equal(1, result.Records);
            Assert.Equal(result.ConsumedBytes, RingBufferAbi.RecordFootprint(3));
        }

        Assert.Equal(2 * RingBufferAbi.RecordFootprint(3), ring.ConsumerPosition);
    }

    [Fact]
    public void AThrowingHandlerConsumesItsRecordAndTheExceptionPropagates()
    {
        using var ring = new RingBufferSimulator(4096);
        for (var i = 0; i < 3; i++)
            Assert.True(ring.TryOutput(Payloads.For(i, 3)));

        var calls = 0;
        var error = Assert.Throws<InvalidOperationException>(() => RingConsumer.Consume(ring.View, _ =>
        {
            if (++calls == 2)
                throw new InvalidOperationException("handler failed");
        }, RingCommitPolicy.PerBatch));
        Assert.Equal("handler failed", error.Message);
        Assert.Equal(2 * RingBufferAbi.RecordFootprint(3), ring.ConsumerPosition);

        var rest = new List<byte[]>();
        RingConsumer.Consume(ring.View, p => rest.Add(p.ToArray()));
        Assert.Equal(Payloads.For(2, 3), Assert.Single(rest));
    }

    [Fact]
    public void PerRecordCommitPublishesEachRecordBeforeTheNextIsHandled()
    {
        using var ring = new RingBufferSimulator(4096);
        for (var i = 0; i < 4; i++)
            Assert.True(ring.TryOutput(Payloads.For(i, 12)));

        var seen = new List<ulong>();
        RingConsumer.Consume(ring.View, _ => seen.Add(ring.ConsumerPosition), RingCommitPolicy.PerRecord);
        Assert.Equal([0ul, 24, 48, 72], seen);

        for (var i = 0; i < 4; i++)
            Assert.True(ring.TryOutput(Payloads.For(i, 12)));
        seen.Clear();
        RingConsumer.Consume(ring.View, _ => seen.Add(ring.ConsumerPosition), RingCommitPolicy.PerBatch);
        Assert.Equal([96ul, 96, 96, 96], seen);
        Assert.Equal(192ul, ring.ConsumerPosition);
    }

    [Fact]
    public void ARecordThatWrapsIsDeliveredContiguouslyFromTheSecondMapping()
    {
        using var ring = new RingBufferSimulator(4096, startPosition: 4096 - 16);
        var payload = Payloads.For(7, 100);
        Assert.True(ring.TryOutput(payload));

        var recorder = new RingRecorder(ring.View);
        RingConsumer.Consume(ring.View, ref recorder);
        Assert.Equal(payload, Assert.Single(recorder.Records));
        Assert.Equal(0, recorder.OutOfBounds);
    }

    [Fact]
    public void PositionsWrapAroundTwoToTheSixtyFourth()
    {
        using var ring = new RingBufferSimulator(4096, startPosition: ulong.MaxValue - 63);
        var recorder = new RingRecorder(ring.View);
        for (var i = 0; i < 20; i++)
        {
            Assert.True(ring.TryOutput(Payloads.For(i, 20)));
            RingConsumer.Consume(ring.View, ref recorder);
        }

        Assert.Equal(Enumerable.Range(0, 20).Select(i => Payloads.For(i, 20)), recorder.Records);
        Assert.Equal(unchecked(ulong.MaxValue - 63 + 20 * 32), ring.ConsumerPosition);
    }

    [Fact]
    public void AnEmptyRingReturnsEmptyWithoutTouchingTheConsumer()
    {
        using var ring = new RingBufferSimulator(4096, startPosition: 800);
        var result = RingConsumer.Consume(ring.View, _ => Assert.Fail("nothing to deliver"));
        Assert.Equal(RingStopReason.Empty, result.StopReason);
        Assert.Equal(0ul, result.ConsumedBytes);
        Assert.Equal(800ul, ring.ConsumerPosition);
    }

    [Fact]
    public unsafe void RejectsADefaultView()
    {
        var recorder = new RingRecorder();
        Assert.Throws<ArgumentException>(() => RingConsumer.Consume(default, ref recorder));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RingBufferView((ulong*)8, (ulong*)16, (byte*)64, 24));
        Assert.Throws<ArgumentNullException>(() => new RingBufferView(null, (ulong*)16, (byte*)64, 4096));
    }
}
