using ManagedBpf.Buffers.Ring;
using ManagedBpf.Buffers.Simulation;
using ManagedBpf.Buffers.Tests.Support;

namespace ManagedBpf.Buffers.Tests.Ring;

public sealed unsafe class RingBufferSimulatorTests
{
    [Fact]
    public void ReserveWritesABusyHeaderWithPageOffsetThenPublishesTheProducer()
    {
        using var ring = new RingBufferSimulator(8192);
        Assert.True(ring.TryReserve(4090, out var first));
        Assert.True(ring.TryReserve(10, out var second));
        Assert.Equal(0ul, first.Position);
        Assert.Equal(4104ul, second.Position);
        Assert.Equal(4104ul + 24, ring.ProducerPosition);

        var view = ring.View;
        var header = RingRecordHeader.Read(new ReadOnlySpan<byte>(view.Data + second.Position, 8));
        Assert.True(header.IsBusy);
        Assert.Equal(10u, header.PayloadLength);
        Assert.Equal(3u + 1, header.PageOffset); // RINGBUF_PGOFF + 2 position pages + data page 1
        Assert.Equal(3u, RingRecordHeader.Read(new ReadOnlySpan<byte>(view.Data, 8)).PageOffset);
    }

    [Fact]
    public void CommitClearsBusyAndDiscardSetsDiscardInBothCopies()
    {
        using var ring = new RingBufferSimulator(4096);
        Assert.True(ring.TryReserve(1, out var kept));
        Assert.True(ring.TryReserve(1, out var dropped));
        ring.Submit(kept);
        ring.Discard(dropped);

        var data = ring.View.Data;
        foreach (var copy in new ulong[] { 0, 4096 })
        {
            var a = RingRecordHeader.Read(new ReadOnlySpan<byte>(data + copy + kept.Position, 8));
            var b = RingRecordHeader.Read(new ReadOnlySpan<byte>(data + copy + dropped.Position, 8));
            Assert.False(a.IsBusy || a.IsDiscarded);
            Assert.False(b.IsBusy);
            Assert.True(b.IsDiscarded);
        }

        Assert.Throws<InvalidOperationException>(() => ring.Submit(kept));
        Assert.Throws<InvalidOperationException>(() => ring.Discard(dropped));
    }

    [Fact]
    public void PayloadWritesLandInBothCopiesAndWrap()
    {
        using var ring = new RingBufferSimulator(4096, startPosition: 4096 - 8);
        var payload = Payloads.For(1, 64);
        Assert.True(ring.TryOutput(payload));

        var data = ring.View.Data;
        Assert.Equal(payload, new ReadOnlySpan<byte>(data + 4096, 64).ToArray()); // contiguous through the second copy
        Assert.Equal(payload, new ReadOnlySpan<byte>(data, 64).ToArray()); // and at the start of the first
    }

    [Fact]
    public void TheLargestReservableRecordIsOneRecordAlignmentShortOfTheRing()
    {
        using var ring = new RingBufferSimulator(4096);
        // footprint == size: passes "len > ring size" but fails "new_prod_pos - cons_pos > mask".
        Assert.False(ring.TryReserve(4096 - 8, out _));
        Assert.False(ring.TryReserve(4096 - 15, out _));
        Assert.True(ring.TryReserve(4096 - 16, out var largest));
        Assert.Equal(4088ul, ring.ProducerPosition);
        Assert.False(ring.TryReserve(0, out _)); // 8 more bytes would make the ring full
        ring.Submit(largest);
    }

    [Fact]
    public void ReserveFailsPastTheKernelLimits()
    {
        using var ring = new RingBufferSimulator(4096);
        Assert.False(ring.TryReserve(RingBufferAbi.RINGBUF_MAX_RECORD_SZ + 1, out _));
        Assert.False(ring.TryReserve(uint.MaxValue, out _));
        Assert.False(ring.TryReserve(5000, out _));
        Assert.Equal(0ul, ring.ProducerPosition);
        Assert.Equal(0, ring.OutstandingReservations);
    }

    [Fact]
    public void ReserveSeesSpaceTheConsumerFreed()
    {
        using var ring = new RingBufferSimulator(4096, startPosition: ulong.MaxValue - 2047);
        var filled = 0;
        while (ring.TryOutput(Payloads.For(filled, 100)))
            filled++;
        Assert.Equal(36, filled); // 36 * 112 = 4032; a 37th would put the producer 4144 ahead
        RingConsumer.ConsumeN(ring.View, _ => { }, 1);
        Assert.True(ring.TryOutput(Payloads.For(99, 100)));
        Assert.False(ring.TryOutput(Payloads.For(100, 100)));
    }

    [Fact]
    public void RejectsSizesTheKernelRejects()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RingBufferSimulator(3 * 4096));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RingBufferSimulator(2048));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RingBufferSimulator(4096, startPosition: 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RingBufferSimulator(4096, pageSize: 1000));
    }

    [Fact]
    public void WriteChecksTheReservation()
    {
        using var ring = new RingBufferSimulator(4096);
        Assert.True(ring.TryReserve(4, out var reservation));
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.Write(reservation, 1, "abcd"u8));
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.Write(reservation, -1, "a"u8));
        ring.Submit(reservation);
        Assert.Throws<InvalidOperationException>(() => ring.Write(reservation, 0, "a"u8));
    }

    [Fact]
    public void DisposedSimulatorsRefuseToHandOutMemory()
    {
        var ring = new RingBufferSimulator(4096);
        ring.Dispose();
        Assert.Throws<ObjectDisposedException>(() => ring.View);
        Assert.Throws<ObjectDisposedException>(() => ring.TryReserve(1, out _));
    }
}
