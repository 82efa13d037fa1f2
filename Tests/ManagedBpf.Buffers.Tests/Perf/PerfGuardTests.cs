using System.Runtime.InteropServices;
using ManagedBpf.Buffers.Perf;
using ManagedBpf.Buffers.Simulation;
using ManagedBpf.Buffers.Tests.Support;

namespace ManagedBpf.Buffers.Tests.Perf;

/// <summary>The 64 KiB problem, as DESIGN.md measured it on a 6.18 kernel, and the guard against it.</summary>
public sealed unsafe class PerfGuardTests
{
    private const int MeasuredPayload = 70_004; // true size 70,016; header.size 4,480

    [Fact]
    public void TheSimulatorTruncatesLikeTheKernel()
    {
        using var ring = new PerfBufferSimulator(256 * 1024, PerfSampleLayout.Raw);
        Assert.True(ring.TryOutput(new byte[MeasuredPayload], out var record));
        Assert.Equal(70_004u, record.RawSize);
        Assert.Equal(70_016ul, record.TrueSize);
        Assert.Equal((ushort)4_480, record.HeaderSize);
        Assert.True(record.IsTruncated);
        Assert.Equal(4_480ul, ring.DataHead); // only the truncated size was reserved
    }

    [Fact]
    public void OnA256KiBRingTheSpillLandsInFreeSpaceAndOnlyTheOversizedSampleIsWithheld()
    {
        using var ring = new PerfBufferSimulator(256 * 1024, PerfSampleLayout.Raw, cpu: 2);
        var before = Output(ring, 10, 1000);
        Assert.True(ring.TryOutput(Filled(MeasuredPayload, 0xAB), out var oversized));
        var after = Output(ring, 20, 1000);

        var recorder = new PerfRecorder();
        var result = PerfConsumer.Read(ring.View, 2, PerfSampleLayout.Raw, ref recorder);

        Assert.Equal(before.Concat(after), recorder.Samples.Select(s => s.Payload[..1000]));
        var report = Assert.Single(recorder.Reports);
        Assert.Equal(PerfCorruptionKind.OversizedSample, report.Kind);
        Assert.Equal(2, report.Cpu);
        Assert.Equal(oversized.Position, report.Position);
        Assert.Equal(oversized.Position & (256 * 1024 - 1), report.Offset);
        Assert.Equal(70_016ul, report.TrueSize);
        Assert.Equal((ushort)4_480, report.Header.Size);
        Assert.Equal(1, result.OversizedSamples);
        Assert.Equal(0, result.CorruptedRecords);
        Assert.Equal(0ul, result.DroppedBytes);
        Assert.Equal(ring.DataHead, ring.DataTail);
        Assert.Equal(
            $"Oversized sample at CPU 2, position 0x{oversized.Position:X} (offset {oversized.Position} of the 262144-byte ring): its true size is 70016 bytes but header.size holds only 4480 (70016 mod 65536). The kernel reserved 4480 bytes and wrote 70016, spilling 65536 bytes past the reservation; the sample was not delivered.",
            report.ToString());
    }

    [Fact]
    public void OnA64KiBRingTheSpillWipesTheUnreadBatchWhichIsDroppedAndLaterBatchesAreDelivered()
    {
        using var ring = new PerfBufferSimulator(64 * 1024, PerfSampleLayout.Raw, cpu: 1);
        Output(ring, 10, 1000);
        var tail = ring.DataTail;
        Assert.True(ring.TryOutput(new byte[MeasuredPayload], out _)); // zeros, as measured: headers read as zeros
        var head = ring.DataHead;

        var recorder = new PerfRecorder();
        var result = PerfConsumer.Read(ring.View, 1, PerfSampleLayout.Raw, ref recorder);
        Assert.Empty(recorder.Samples);
        var report = Assert.Single(recorder.Reports);
        Assert.Equal(PerfCorruptionKind.ImpossibleHeader, report.Kind);
        Assert.Equal(PerfHeaderProblem.SizeBelowHeader, report.Problem);
        Assert.Equal(tail, report.Position);
        Assert.Equal(head - tail, result.DroppedBytes);
        Assert.Equal(head, ring.DataTail);

        var later = Output(ring, 5, 300);
        recorder = new PerfRecorder();
        result = PerfConsumer.Read(ring.View, 1, PerfSampleLayout.Raw, ref recorder);
        Assert.Equal(later, recorder.Samples.Select(s => s.Payload[..300]));
        Assert.Empty(recorder.Reports);
    }

    [Fact]
    public void RecordsTheSpillReachedAreWithheldEvenWhenTheyLookLikeSamples()
    {
        // 20 unread 4,016-byte samples from position 0, then an oversized sample at 80,320 whose payload is a run of
        // 16-byte fake samples. On a 128 KiB ring its spill wraps onto positions [0, 80,320 + 70,832 - 131,072) =
        // [0, 20,080): the first five real samples now read as 1,255 well-formed fake samples. Only the spill rule
        // keeps them from being delivered.
        const int ringSize = 128 * 1024;
        using var ring = new PerfBufferSimulator(ringSize, PerfSampleLayout.Raw, cpu: 4);
        var real = Output(ring, 20, 4004);
        var payload = FakeSamples(70_820);
        Assert.True(ring.TryOutput(payload, out var oversized));
        Assert.Equal(80_320ul, oversized.Position);
        Assert.Equal(70_832ul, oversized.TrueSize);
        var trailing = Output(ring, 3, 100);

        var recorder = new PerfRecorder();
        var result = PerfConsumer.Read(ring.View, 4, PerfSampleLayout.Raw, ref recorder);

        Assert.Equal(real.Skip(5).Concat(trailing), recorder.Samples.Select(s => s.Payload));
        Assert.DoesNotContain(recorder.Samples, s => s.Payload.AsSpan().SequenceEqual("FAKE"u8));
        var reports = recorder.Reports.ToList();
        Assert.Equal(2, reports.Count);
        Assert.Equal(PerfCorruptionKind.SpillDamage, reports[0].Kind);
        Assert.Equal(0ul, reports[0].Position);
        Assert.Equal(1_255, reports[0].RecordCount);
        Assert.Equal(20_080ul, reports[0].ByteCount);
        Assert.Equal(oversized.Position, reports[0].SpillSource);
        Assert.Equal(70_832ul, reports[0].TrueSize);
        Assert.Contains("1255 unread records (20080 bytes)", reports[0].ToString(), StringComparison.Ordinal);
        Assert.Equal(PerfCorruptionKind.OversizedSample, reports[1].Kind);
        Assert.Equal(oversized.Position, reports[1].Position);
        Assert.Equal(1_255, result.CorruptedRecords);
        Assert.Equal(18, result.Samples);

        // Without the spill rule the same bytes would have been read as fake samples.
        var plain = new HandBuiltPerfRing(ringSize);
        using (plain)
        {
            plain.Append(new ReadOnlySpan<byte>(ring.View.Data, ringSize)[..20_080]);
            var fakes = new PerfRecorder();
            PerfConsumer.Read(plain.View, 4, PerfSampleLayout.Raw, ref fakes);
            Assert.Equal(1_255, fakes.Samples.Count(s => s.Payload.AsSpan().SequenceEqual("FAKE"u8)));
        }
    }

    [Fact]
    public void AnOversizedSampleInARunOfSamplesOfItsTruncatedSizeIsStillCaught()
    {
        // The reader's fast path skips a record whose header and raw size repeat the last well-formed sample. The
        // oversized sample's header (type, misc, size 4,480) repeats the run's exactly; only its raw size differs.
        using var ring = new PerfBufferSimulator(256 * 1024, PerfSampleLayout.Raw, cpu: 3);
        var before = Output(ring, 10, 4_468); // raw 4,468: header.size 4,480
        Assert.True(ring.TryOutput(Filled(MeasuredPayload, 0xAB), out var oversized));
        Assert.Equal((ushort)4_480, oversized.HeaderSize);
        var after = Output(ring, 10, 4_468);

        var recorder = new PerfRecorder();
        var result = PerfConsumer.Read(ring.View, 3, PerfSampleLayout.Raw, ref recorder);

        Assert.Equal(before.Concat(after), recorder.Samples.Select(s => s.Payload));
        var report = Assert.Single(recorder.Reports);
        Assert.Equal(PerfCorruptionKind.OversizedSample, report.Kind);
        Assert.Equal(oversized.Position, report.Position);
        Assert.Equal(70_016ul, report.TrueSize);
        Assert.Equal(20, result.Samples);
        Assert.Equal(20 * 4_468, result.SampleBytes);
        Assert.Equal(1, result.OversizedSamples);
        Assert.Equal(ring.DataHead, ring.DataTail);
    }

    [Fact]
    public void TimeAndRawSamplesAreGuardedWithTheirOwnPrefix()
    {
        using var ring = new PerfBufferSimulator(256 * 1024, PerfSampleLayout.TimeAndRaw);
        Assert.True(ring.TryOutput(new byte[70_004], out var oversized, time: 42));
        Assert.True(ring.TryOutput(Payloads.For(1, 64), out _, time: 43));
        Assert.Equal(70_024ul, oversized.TrueSize);

        var recorder = new PerfRecorder();
        PerfConsumer.Read(ring.View, 0, PerfSampleLayout.TimeAndRaw, ref recorder);
        Assert.Equal(70_024ul, Assert.Single(recorder.Reports).TrueSize);
        Assert.Equal(43ul, Assert.Single(recorder.Samples).Time);
    }

    [Fact]
    public void TheLargestSafePayloadIsDeliveredAndOneMoreByteIsNot()
    {
        using var ring = new PerfBufferSimulator(256 * 1024, PerfSampleLayout.Raw);
        Assert.True(ring.TryOutput(Payloads.For(1, PerfSampleLayout.Raw.MaxSafePayload), out var safe));
        Assert.False(safe.IsTruncated);
        Assert.True(ring.TryOutput(Payloads.For(2, 65_540), out var unsafeRecord));
        Assert.True(unsafeRecord.IsTruncated);

        var recorder = new PerfRecorder();
        var result = PerfConsumer.Read(ring.View, 0, PerfSampleLayout.Raw, ref recorder);
        Assert.Equal(Payloads.For(1, 65_516), Assert.Single(recorder.Samples).Payload);
        Assert.Equal(1, result.OversizedSamples);
    }

    [Fact]
    public void WhenTheSpillWrapsTheWholeRingEveryDiscardedByteIsCountedAsCorruptedAndReported()
    {
        // 70,004 bytes into a 64 KiB ring: the true size (70,016) exceeds the ring, so the spill covers every unread
        // record and the sample's own header. Nothing before the samples written after it can be walked, so the whole
        // batch is dropped; but every byte the tail moves over is in CorruptedBytes and in the report.
        using var ring = new PerfBufferSimulator(64 * 1024, PerfSampleLayout.Raw, cpu: 1);
        var tail = ring.DataTail;
        Output(ring, 10, 1000);
        Assert.True(ring.TryOutput(Filled(MeasuredPayload, 0xAB), out var oversized));
        Assert.True(oversized.TrueSize > ring.DataSize);
        Output(ring, 3, 1000);
        var head = ring.DataHead;

        var recorder = new PerfRecorder(ring.View);
        var result = PerfConsumer.Read(ring.View, 1, PerfSampleLayout.Raw, ref recorder);

        Assert.Empty(recorder.Samples);
        Assert.Equal(0, recorder.OutOfBounds);
        var report = Assert.Single(recorder.Reports);
        Assert.Equal(PerfCorruptionKind.ImpossibleHeader, report.Kind);
        Assert.Equal(tail, report.Position);
        Assert.Equal(head - tail, report.ByteCount);
        Assert.Equal(head - tail, result.CorruptedBytes);
        Assert.Equal(head - tail, result.DroppedBytes);
        Assert.Equal(head - tail, result.ConsumedBytes);
        Assert.Contains("sample of 64 KiB or more", report.ToString(), StringComparison.Ordinal);
        Assert.Equal(head, ring.DataTail);

        var later = Output(ring, 5, 300);
        recorder = new PerfRecorder();
        result = PerfConsumer.Read(ring.View, 1, PerfSampleLayout.Raw, ref recorder);
        Assert.Equal(later, recorder.Samples.Select(s => s.Payload[..300]));
        Assert.Empty(recorder.Reports);
        Assert.Equal(0ul, result.CorruptedBytes);
    }

    [Fact]
    public void AnOversizedSampleHiddenBehindSpillDamageThatNoLongerParsesIsFoundNamedAndSkipped()
    {
        // 100 unread 1,012-byte samples (102,400 bytes) on a 128 KiB ring, then a zero-filled 70,004-byte sample: its
        // spill wraps onto [0, 102,400 + 70,016 - 131,072) = [0, 41,344), where headers now read as zeros. The walk
        // meets an impossible header at the tail; the sample's own header, past the damage, is intact and explains it.
        const int ringSize = 128 * 1024;
        using var ring = new PerfBufferSimulator(ringSize, PerfSampleLayout.Raw, cpu: 6);
        var real = Output(ring, 100, 1012);
        Assert.True(ring.TryOutput(new byte[MeasuredPayload], out var oversized));
        Assert.Equal(102_400ul, oversized.Position);
        var trailing = Output(ring, 4, 200);
        var head = ring.DataHead;

        var recorder = new PerfRecorder(ring.View);
        var result = PerfConsumer.Read(ring.View, 6, PerfSampleLayout.Raw, ref recorder);

        Assert.Equal(trailing, recorder.Samples.Select(s => s.Payload[..200])); // and none of the damaged ones
        var reports = recorder.Reports.ToList();
        Assert.Equal([PerfCorruptionKind.SpillDamage, PerfCorruptionKind.OversizedSample], reports.Select(r => r.Kind));
        Assert.Equal(0ul, reports[0].Position);
        Assert.Equal(oversized.Position, reports[0].ByteCount); // everything up to the sample
        Assert.Equal(oversized.Position, reports[0].SpillSource);
        Assert.Equal(70_016ul, reports[0].TrueSize);
        Assert.Equal(oversized.Position, reports[1].Position);
        Assert.Equal(70_016ul, reports[1].TrueSize);
        Assert.Equal(6, reports[1].Cpu);
        Assert.Equal(oversized.Position + 4_480, result.CorruptedBytes);
        Assert.Equal(result.CorruptedBytes, reports[0].ByteCount + reports[1].ByteCount);
        Assert.Equal(head, result.ConsumedBytes);
        Assert.Equal(head, (ulong)(result.Samples * 12) + (ulong)result.SampleBytes + result.CorruptedBytes);
        Assert.Equal(0ul, result.DroppedBytes);
        Assert.Equal(head, ring.DataTail);
        Assert.NotEmpty(real);
    }

    [Fact]
    public void PayloadBytesThatLookLikeAnOversizedHeaderAreNotTakenForOneUnlessTheRecordsAfterThemReachTheHead()
    {
        // Zeros at the tail (an impossible header), then a plausible oversized header whose size leads nowhere valid.
        using var ring = new HandBuiltPerfRing(64 * 1024);
        ring.Append(new byte[64]);
        var fake = new byte[4480];
        new PerfEventHeader(PerfEventAbi.PERF_RECORD_SAMPLE, 0, 4_480).Write(fake);
        MemoryMarshal.Write(fake.AsSpan(8), 70_004u);
        ring.Append(fake);
        ring.Append(new byte[64]); // zeros again where the next record should start
        var head = ring.Head;

        var recorder = new PerfRecorder();
        var result = PerfConsumer.Read(ring.View, 0, PerfSampleLayout.Raw, ref recorder);

        Assert.Equal(PerfCorruptionKind.ImpossibleHeader, Assert.Single(recorder.Reports).Kind);
        Assert.Equal(head, result.DroppedBytes);
        Assert.Equal(head, result.CorruptedBytes);
        Assert.Equal(0, result.OversizedSamples);
    }

    [Theory]
    [InlineData(65_517, 0)] // raw 65,524, true size 65,536: header.size 0
    [InlineData(65_524, 0)]
    [InlineData(65_525, 8)] // raw 65,532, true size 65,544: header.size 8, shorter than the 12-byte prefix
    [InlineData(65_532, 8)]
    [InlineData(65_533, 16)] // raw 65,540, true size 65,552: header.size 16, raw size readable
    [InlineData(65_535, 16)]
    public void PayloadsJustPast65516BytesAreHandledByWhatTheyLeave(int payload, int headerSize)
    {
        // On a 128 KiB ring the spill (65,536 bytes and more) lands in free space; only the truncated header is left.
        using var ring = new PerfBufferSimulator(128 * 1024, PerfSampleLayout.Raw, cpu: 2);
        var before = Output(ring, 3, 100);
        Assert.True(ring.TryOutput(Filled(payload, 0xAB), out var oversized));
        Assert.Equal((ushort)headerSize, oversized.HeaderSize);
        var after = Output(ring, 3, 100);
        var head = ring.DataHead;

        var recorder = new PerfRecorder(ring.View);
        var result = PerfConsumer.Read(ring.View, 2, PerfSampleLayout.Raw, ref recorder);

        Assert.Equal(before.Concat(after), recorder.Samples.Select(s => s.Payload[..100]));
        Assert.Equal(0, recorder.OutOfBounds);
        Assert.Equal(head, result.ConsumedBytes);
        Assert.Equal((ulong)headerSize, result.CorruptedBytes);
        Assert.Equal(head, (ulong)(result.Samples * 12) + (ulong)result.SampleBytes + result.CorruptedBytes);
        if (headerSize == 0)
        {
            Assert.Empty(recorder.Reports); // no record at all: the kernel reserved nothing
            return;
        }

        var report = Assert.Single(recorder.Reports);
        Assert.Equal(PerfCorruptionKind.OversizedSample, report.Kind);
        Assert.Equal(oversized.Position, report.Position);
        Assert.Equal((ulong)headerSize, report.ByteCount);
        Assert.Equal(headerSize >= 12 ? oversized.TrueSize : 0, report.TrueSize);
        if (headerSize < 12)
            Assert.Contains("true size was at least 65544 bytes", report.ToString(), StringComparison.Ordinal);
    }

    private static List<byte[]> Output(PerfBufferSimulator ring, int count, int length)
    {
        var payloads = new List<byte[]>();
        for (var i = 0; i < count; i++)
        {
            var payload = Payloads.For((long)ring.DataHead + i, length);
            Assert.True(ring.TryOutput(payload, out _));
            payloads.Add(payload);
        }

        return payloads;
    }

    private static byte[] Filled(int length, byte value)
    {
        var bytes = new byte[length];
        bytes.AsSpan().Fill(value);
        return bytes;
    }

    /// <summary>
    /// A payload whose bytes at 8-byte aligned ring positions (payload index 4 + 16k: the prefix is 12 bytes) read as
    /// 16-byte samples carrying "FAKE".
    /// </summary>
    private static byte[] FakeSamples(int length)
    {
        var bytes = new byte[length];
        for (var i = 4; i + 16 <= length; i += 16)
        {
            var unit = bytes.AsSpan(i, 16);
            new PerfEventHeader(PerfEventAbi.PERF_RECORD_SAMPLE, 0, 16).Write(unit);
            MemoryMarshal.Write(unit[8..], 4u);
            "FAKE"u8.CopyTo(unit[12..]);
        }

        return bytes;
    }
}
