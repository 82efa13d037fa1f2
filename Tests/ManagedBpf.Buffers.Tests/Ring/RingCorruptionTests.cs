using ManagedBpf.Buffers.Ring;
using ManagedBpf.Buffers.Tests.Support;

namespace ManagedBpf.Buffers.Tests.Ring;

public sealed class RingCorruptionTests
{
    [Fact]
    public void ALengthPastWhatTheProducerPublishedIsCorruption()
    {
        using var ring = new HandBuiltRing(4096, consumer: 64, producer: 64 + 32);
        ring.WriteRecord(64, 40); // 48-byte record, only 32 published

        var error = Assert.Throws<RingCorruptedException>(() => Drain(ring));
        Assert.Equal(64ul, error.ConsumerPosition);
        Assert.Equal(96ul, error.ProducerPosition);
        Assert.Equal(64ul, error.Offset);
        Assert.Equal(4096ul, error.RingSize);
        Assert.Equal(40u, error.RecordLength);
        Assert.Equal(
            "The record at consumer position 0x40 (offset 64 of the 4096-byte ring) declares a 40-byte payload, a 48-byte record, but the producer published only 32 bytes from there (producer position 0x60).",
            error.Message);
        Assert.Equal(64ul, ring.Consumer); // nothing committed past the damage
    }

    [Fact]
    public void ALengthLargerThanTheRingIsCorruptionEvenWhenBusy()
    {
        using var ring = new HandBuiltRing(4096, consumer: 0, producer: 4088);
        ring.WriteRecord(0, 5000 | RingBufferAbi.BPF_RINGBUF_BUSY_BIT);

        var error = Assert.Throws<RingCorruptedException>(() => Drain(ring));
        Assert.Equal(5000u | RingBufferAbi.BPF_RINGBUF_BUSY_BIT, error.RecordLength);
        Assert.Equal(
            "The record at consumer position 0x0 (offset 0 of the 4096-byte ring) declares a 5000-byte payload (BUSY), a 5008-byte record larger than the ring itself.",
            error.Message);
    }

    [Fact]
    public void ACorruptRecordAfterGoodOnesIsReportedWhereItIs()
    {
        using var ring = new HandBuiltRing(4096, consumer: 0, producer: 48);
        ring.WriteRecord(0, 8, Payloads.For(1, 8));
        ring.WriteRecord(16, 1000);

        var delivered = 0;
        var error = Assert.Throws<RingCorruptedException>(() => RingConsumer.Consume(ring.View, _ => delivered++));
        Assert.Equal(1, delivered);
        Assert.Equal(16ul, error.ConsumerPosition);
        Assert.Equal(16ul, ring.Consumer); // the good record stays consumed
    }

    [Fact]
    public void AConsumerAheadOfTheProducerIsCorruption()
    {
        using var ring = new HandBuiltRing(4096, consumer: 256, producer: 128);
        var error = Assert.Throws<RingCorruptedException>(() => Drain(ring));
        Assert.Null(error.RecordLength);
        Assert.Equal(
            "The consumer position 0x100 is 128 bytes ahead of the producer position 0x80: the consumer cannot have read what was never published.",
            error.Message);
    }

    [Fact]
    public void AProducerMoreThanTheRingAheadIsCorruption()
    {
        using var ring = new HandBuiltRing(4096, consumer: ulong.MaxValue - 7, producer: 8192);
        var error = Assert.Throws<RingCorruptedException>(() => Drain(ring));
        Assert.Equal(
            "The producer position 0x2000 is 8200 bytes ahead of the consumer position 0xFFFFFFFFFFFFFFF8, more than the 4096-byte ring can hold.",
            error.Message);
    }

    [Fact]
    public void MisalignedPositionsAreCorruption()
    {
        using (var ring = new HandBuiltRing(4096, consumer: 4, producer: 64))
            Assert.Contains("consumer position 0x4 is not 8-byte aligned", Assert.Throws<RingCorruptedException>(() => Drain(ring)).Message);
        using (var ring = new HandBuiltRing(4096, consumer: 0, producer: 60))
            Assert.Contains("producer position 0x3C is not 8-byte aligned", Assert.Throws<RingCorruptedException>(() => Drain(ring)).Message);
    }

    [Fact]
    public void AFullRingAtTheEdgeIsNotCorruption()
    {
        // A record filling the ring exactly, wrapping from the last 8 bytes: legal for the consumer even though the
        // kernel's reserve never produces one (it keeps the producer less than a ring ahead).
        using var ring = new HandBuiltRing(4096, consumer: 4088, producer: 4088 + 4096);
        var payload = Payloads.For(3, 4088);
        ring.WriteRecord(4088, 4088, payload);

        var recorder = new RingRecorder(ring.View);
        RingConsumer.Consume(ring.View, ref recorder);
        Assert.Equal(payload, Assert.Single(recorder.Records));
        Assert.Equal(0, recorder.OutOfBounds);
    }

    private static RingConsumeResult Drain(HandBuiltRing ring)
    {
        var recorder = new RingRecorder(ring.View);
        return RingConsumer.Consume(ring.View, ref recorder);
    }
}
