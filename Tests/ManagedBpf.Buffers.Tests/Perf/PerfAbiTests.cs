using ManagedBpf.Buffers.Perf;

namespace ManagedBpf.Buffers.Tests.Perf;

public sealed class PerfAbiTests
{
    [Theory]
    [InlineData(0ul, 4ul)]
    [InlineData(1ul, 4ul)]
    [InlineData(4ul, 4ul)]
    [InlineData(5ul, 12ul)]
    [InlineData(12ul, 12ul)]
    [InlineData(13ul, 20ul)]
    [InlineData(70_004ul, 70_004ul)]
    public void RawSizeIsPaddedSoTheSampleEndsEightByteAligned(ulong payload, ulong raw)
    {
        Assert.Equal(raw, PerfSampleLayout.PaddedRawSize(payload));
        Assert.Equal(0ul, (PerfSampleLayout.Raw.TrueSize((uint)raw)) % 8);
        Assert.Equal(0ul, (PerfSampleLayout.TimeAndRaw.TrueSize((uint)raw)) % 8);
    }

    [Fact]
    public void LayoutsKnowTheirPrefixAndTheLargestSafePayload()
    {
        Assert.Equal(12, PerfSampleLayout.Raw.PrefixSize);
        Assert.Equal(8, PerfSampleLayout.Raw.RawSizeOffset);
        Assert.Equal(65_516, PerfSampleLayout.Raw.MaxSafePayload);
        Assert.Equal(20, PerfSampleLayout.TimeAndRaw.PrefixSize);
        Assert.Equal(16, PerfSampleLayout.TimeAndRaw.RawSizeOffset);
        Assert.Equal(65_508, PerfSampleLayout.TimeAndRaw.MaxSafePayload);
        Assert.Equal(65_528ul, PerfSampleLayout.Raw.TrueSize((uint)PerfSampleLayout.PaddedRawSize(65_516)));
        Assert.Equal(65_536ul, PerfSampleLayout.Raw.TrueSize((uint)PerfSampleLayout.PaddedRawSize(65_517)));
        Assert.Equal(70_016ul, PerfSampleLayout.Raw.TrueSize(70_004));
        Assert.Equal(4_480, (ushort)PerfSampleLayout.Raw.TrueSize(70_004));
    }

    [Fact]
    public void LayoutComesFromSampleType()
    {
        Assert.Equal(PerfSampleLayout.Raw, PerfSampleLayout.FromSampleType(PerfEventAbi.PERF_SAMPLE_RAW));
        Assert.Equal(PerfSampleLayout.TimeAndRaw, PerfSampleLayout.FromSampleType(PerfEventAbi.PERF_SAMPLE_RAW | PerfEventAbi.PERF_SAMPLE_TIME));
        Assert.Equal(PerfEventAbi.PERF_SAMPLE_RAW | PerfEventAbi.PERF_SAMPLE_TIME, PerfSampleLayout.TimeAndRaw.SampleType);
        Assert.Throws<NotSupportedException>(() => PerfSampleLayout.FromSampleType(PerfEventAbi.PERF_SAMPLE_TIME));
        Assert.Throws<NotSupportedException>(() => PerfSampleLayout.FromSampleType(PerfEventAbi.PERF_SAMPLE_RAW | 1));
        Assert.Equal(PerfSampleLayout.Raw, default);
    }

    [Fact]
    public void HeaderReadsAndWritesTheKernelLayout()
    {
        byte[] bytes = [9, 0, 0, 0, 2, 0, 0x80, 0x11];
        var header = PerfEventHeader.Read(bytes);
        Assert.Equal(PerfEventAbi.PERF_RECORD_SAMPLE, header.Type);
        Assert.Equal(2, header.Misc);
        Assert.Equal(0x1180, header.Size);
        var written = new byte[8];
        header.Write(written);
        Assert.Equal(bytes, written);
        Assert.Equal("perf_event_header { type = 9, misc = 0x2, size = 4480 }", header.ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => PerfEventHeader.Read(new byte[7]));
    }

    [Fact]
    public void MmapPageOffsetsMatchTheUapi()
    {
        Assert.Equal(1024, PerfEventAbi.DataHeadOffset);
        Assert.Equal(1032, PerfEventAbi.DataTailOffset);
        Assert.Equal(1040, PerfEventAbi.DataOffsetOffset);
        Assert.Equal(1048, PerfEventAbi.DataSizeOffset);
        Assert.Equal(24, PerfEventAbi.LostRecordSize);
    }
}
