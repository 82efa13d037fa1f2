using ManagedBpf.Buffers.Ring;

namespace ManagedBpf.Buffers.Tests.Ring;

public sealed class RingBufferAbiTests
{
    [Theory]
    [InlineData(0u, 8ul)]
    [InlineData(1u, 16ul)]
    [InlineData(7u, 16ul)]
    [InlineData(8u, 16ul)]
    [InlineData(9u, 24ul)]
    [InlineData(4088u, 4096ul)]
    [InlineData(RingBufferAbi.RINGBUF_MAX_RECORD_SZ, 0x4000_0008ul)]
    public void FootprintIsHeaderPlusPayloadRoundedUpToEight(uint payload, ulong footprint) =>
        Assert.Equal(footprint, RingBufferAbi.RecordFootprint(payload));

    [Fact]
    public void OffsetMasksTheFreeRunningPosition()
    {
        Assert.Equal(0ul, RingBufferAbi.Offset(0, 4096));
        Assert.Equal(8ul, RingBufferAbi.Offset(4096 + 8, 4096));
        Assert.Equal(4088ul, RingBufferAbi.Offset(ulong.MaxValue - 7, 4096));
    }

    [Fact]
    public void AvailableSurvivesTheWrapAt2To64()
    {
        Assert.Equal(16ul, RingBufferAbi.Available(producerPosition: 8, consumerPosition: ulong.MaxValue - 7));
        Assert.Equal(0ul, RingBufferAbi.Available(42, 42));
    }

    [Theory]
    [InlineData(4096ul, 4096ul, true)]
    [InlineData(1ul << 20, 4096ul, true)]
    [InlineData(2048ul, 4096ul, false)]
    [InlineData(12288ul, 4096ul, false)]
    [InlineData(16384ul, 16384ul, true)]
    public void RingSizeMustBeAPowerOfTwoAndWholePages(ulong size, ulong page, bool valid) =>
        Assert.Equal(valid, RingBufferAbi.IsValidRingSize(size, page));

    [Fact]
    public void MaxRecordSizeLeavesTheFlagBitsClear()
    {
        Assert.Equal(0x3FFF_FFFFu, RingBufferAbi.RINGBUF_MAX_RECORD_SZ);
        Assert.Equal(0u, RingBufferAbi.RINGBUF_MAX_RECORD_SZ & (RingBufferAbi.BPF_RINGBUF_BUSY_BIT | RingBufferAbi.BPF_RINGBUF_DISCARD_BIT));
    }
}
