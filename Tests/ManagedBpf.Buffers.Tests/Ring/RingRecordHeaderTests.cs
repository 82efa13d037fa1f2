using ManagedBpf.Buffers.Ring;

namespace ManagedBpf.Buffers.Tests.Ring;

public sealed class RingRecordHeaderTests
{
    [Fact]
    public void DecodesLengthAndFlags()
    {
        var busy = new RingRecordHeader(100 | RingBufferAbi.BPF_RINGBUF_BUSY_BIT, 7);
        Assert.True(busy.IsBusy);
        Assert.False(busy.IsDiscarded);
        Assert.Equal(100u, busy.PayloadLength);
        Assert.Equal(112ul, busy.Footprint);
        Assert.Equal(7u, busy.PageOffset);

        var discarded = new RingRecordHeader(5 | RingBufferAbi.BPF_RINGBUF_DISCARD_BIT, 0);
        Assert.False(discarded.IsBusy);
        Assert.True(discarded.IsDiscarded);
        Assert.Equal(5u, discarded.PayloadLength);

        var both = new RingRecordHeader(uint.MaxValue, 0);
        Assert.True(both.IsBusy && both.IsDiscarded);
        Assert.Equal(RingBufferAbi.RINGBUF_MAX_RECORD_SZ, both.PayloadLength);
    }

    [Fact]
    public void ReadsAndWritesTheKernelLayout()
    {
        byte[] bytes = [0x10, 0, 0, 0x80, 3, 0, 0, 0, 0xEE];
        var header = RingRecordHeader.Read(bytes);
        Assert.Equal(0x8000_0010u, header.Length);
        Assert.Equal(3u, header.PageOffset);
        Assert.True(header.IsBusy);
        Assert.Equal(16u, header.PayloadLength);

        var written = new byte[8];
        header.Write(written);
        Assert.Equal(bytes[..8], written);
        Assert.Equal("bpf_ringbuf_hdr { len = 16 | BUSY, pg_off = 3 }", header.ToString());
    }

    [Fact]
    public void RejectsShortSpans()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RingRecordHeader.Read(new byte[7]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RingRecordHeader(0, 0).Write(new byte[4]));
    }
}
