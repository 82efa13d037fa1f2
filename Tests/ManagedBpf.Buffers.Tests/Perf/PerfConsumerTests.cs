using ManagedBpf.Buffers.Perf;
using ManagedBpf.Buffers.Simulation;
using ManagedBpf.Buffers.Tests.Support;

namespace ManagedBpf.Buffers.Tests.Perf;

public sealed class PerfConsumerTests
{
    [Fact]
    public void DeliversSamplesInOrderWithTheKernelsPaddedRawSize()
    {
        using var ring = new PerfBufferSimulator(4096, PerfSampleLayout.Raw, cpu: 3);
        var payloads = new[] { Payloads.For(1, 1), Payloads.For(2, 4), Payloads.For(3, 100) };
        foreach (var payload in payloads)
            Assert.True(ring.TryOutput(payload, out _));

        var recorder = new PerfRecorder();
        var result = PerfConsumer.Read(ring.View, 3, PerfSampleLayout.Raw, ref recorder);

        var samples = recorder.Samples.ToList();
        Assert.Equal(3, samples.Count);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(3, samples[i].Cpu);
            Assert.Equal((int)PerfSampleLayout.PaddedRawSize((ulong)payloads[i].Length), samples[i].Payload.Length);
            Assert.Equal(payloads[i], samples[i].Payload[..payloads[i].Length]);
        }

        Assert.Equal(3, result.Samples);
        Assert.Equal(4 + 4 + 100, result.SampleBytes);
        Assert.Equal(ring.DataHead, ring.DataTail);
        Assert.Equal(ring.DataHead, result.ConsumedBytes);
        Assert.Empty(recorder.Reports);
    }

    [Fact]
    public void DeliversTheTimeOfTimeAndRawSamples()
    {
        using var ring = new PerfBufferSimulator(4096, PerfSampleLayout.TimeAndRaw);
        Assert.True(ring.TryOutput(Payloads.For(1, 20), out _, time: 123_456_789));
        Assert.True(ring.TryOutput(Payloads.For(2, 21), out _, time: 123_456_790));

        var recorder = new PerfRecorder();
        PerfConsumer.Read(ring.View, 0, PerfSampleLayout.TimeAndRaw, ref recorder);
        Assert.Equal([123_456_789ul, 123_456_790ul], recorder.Samples.Select(s => s.Time));
        Assert.Equal(Payloads.For(2, 21), recorder.Samples.Last().Payload[..21]);
    }

    [Fact]
    public void AWrappingBodyArrivesAsTwoSegmentsOrAsOneCopiedSpan()
    {
        using var ring = new PerfBufferSimulator(4096, PerfSampleLayout.Raw, startPosition: 4096 - 64);
        var payload = Payloads.For(9, 500);
        Assert.True(ring.TryOutput(payload, out _));

        var segments = new List<(int First, int Second)>();
        var recorder = new SegmentHandler(segments);
        PerfConsumer.Read(ring.View, 0, PerfSampleLayout.Raw, ref recorder);
        Assert.Equal([(64 - 12, 500 - 52)], segments);

        ring.View.StoreDataTail(4096 - 64); // read the same batch again through the delegate overload
        byte[]? copied = null;
        PerfConsumer.Read(ring.View, 0, PerfSampleLayout.Raw, (_, p) => copied = p.ToArray());
        Assert.Equal(payload, copied![..500]);
    }

    [Fact]
    public void LostRecordsCarryTheCountOfDroppedSamplesOnceSpaceReturns()
    {
        using var ring = new PerfBufferSimulator(4096, PerfSampleLayout.Raw, cpu: 1);
        var written = 0;
        while (ring.TryOutput(Payloads.For(written, 500), out _))
            written++;
        Assert.False(ring.TryOutput(Payloads.For(99, 500), out _));
        Assert.Equal(2ul, ring.PendingLost);

        var recorder = new PerfRecorder();
        var first = PerfConsumer.Read(ring.View, 1, PerfSampleLayout.Raw, ref recorder);
        Assert.Equal(written, first.Samples);
        Assert.Equal(0ul, first.Lost);

        Assert.True(ring.TryOutput(Payloads.For(100, 8), out var record));
        Assert.Equal(2ul, record.LostReported);
        var second = PerfConsumer.Read(ring.View, 1, PerfSampleLayout.Raw, ref recorder);
        Assert.Equal(1, second.LostRecords);
        Assert.Equal(2ul, second.Lost);
        Assert.Equal(1, second.Samples);
        Assert.Equal(new LostEvent(1, 2), recorder.Events[^2]);
        Assert.Equal(0ul, ring.PendingLost);
        Assert.Equal(2ul, ring.TotalLost);
    }

    [Fact]
    public void UnknownKernelRecordTypesAreSkippedBySize()
    {
        using var ring = new HandBuiltPerfRing(4096);
        ring.AppendHeader(type: 3, size: 32, length: 32); // PERF_RECORD_COMM-shaped
        ring.AppendSample(Payloads.For(1, 16));

        var recorder = new PerfRecorder();
        var result = PerfConsumer.Read(ring.View, 0, PerfSampleLayout.Raw, ref recorder);
        Assert.Equal(1, result.SkippedRecords);
        Assert.Equal(1, result.Samples);
        Assert.Empty(recorder.Reports);
    }

    [Theory]
    [InlineData(9u, (ushort)0, 8, PerfHeaderProblem.SizeBelowHeader, "size is below the 8-byte header")]
    [InlineData(9u, (ushort)20, 24, PerfHeaderProblem.SizeNotAligned, "size is not a multiple of 8")]
    [InlineData(9u, (ushort)4000, 64, PerfHeaderProblem.PastDataHead, "runs past data_head")]
    [InlineData(0u, (ushort)16, 16, PerfHeaderProblem.UnknownType, "no kernel writes this record type")]
    [InlineData(64u, (ushort)16, 16, PerfHeaderProblem.UnknownType, "no kernel writes this record type")]
    [InlineData(9u, (ushort)32, 32, PerfHeaderProblem.SampleSizeMismatch, "disagrees with the sample's raw size")]
    [InlineData(2u, (ushort)16, 16, PerfHeaderProblem.LostRecordTooShort, "24 bytes at least")]
    public void AnImpossibleHeaderDropsTheRestOfTheBatchAndIsReported(uint type, ushort size, int length, PerfHeaderProblem problem, string words)
    {
        using var ring = new HandBuiltPerfRing(4096, start: 1 << 20);
        var good = Payloads.For(1, 20);
        ring.AppendSample(good);
        var bad = ring.AppendHeader(type, size, length);
        ring.AppendSample(Payloads.For(2, 20));
        var head = ring.Head;

        var recorder = new PerfRecorder();
        var result = PerfConsumer.Read(ring.View, 5, PerfSampleLayout.Raw, ref recorder);

        Assert.Equal(good, Assert.Single(recorder.Samples).Payload[..20]); // before the damage: delivered
        var report = Assert.Single(recorder.Reports);
        Assert.Equal(PerfCorruptionKind.ImpossibleHeader, report.Kind);
        Assert.Equal(problem, report.Problem);
        Assert.Equal(5, report.Cpu);
        Assert.Equal(bad, report.Position);
        Assert.Equal(bad & 4095, report.Offset);
        Assert.Equal(head - bad, report.ByteCount);
        Assert.Equal(head - bad, result.DroppedBytes);
        Assert.Contains(words, report.ToString(), StringComparison.Ordinal);
        Assert.StartsWith($"Impossible record header at CPU 5, position 0x{bad:X} (offset {bad & 4095} of the 4096-byte ring)", report.ToString(), StringComparison.Ordinal);
        Assert.Equal(head, ring.Tail);

        // The next batch is read normally.
        var later = Payloads.For(3, 40);
        ring.AppendSample(later);
        recorder = new PerfRecorder();
        result = PerfConsumer.Read(ring.View, 5, PerfSampleLayout.Raw, ref recorder);
        Assert.Equal(later, Assert.Single(recorder.Samples).Payload[..40]);
        Assert.Equal(0ul, result.DroppedBytes);
    }

    [Theory]
    [InlineData(100ul, 50ul)]
    [InlineData(0ul, 8192ul)]
    [InlineData(4ul, 64ul)]
    public void ImpossiblePositionsAreReportedAndSkipped(ulong tail, ulong head)
    {
        using var ring = new HandBuiltPerfRing(4096);
        ring.Tail = tail;
        ring.Head = head;
        var recorder = new PerfRecorder();
        var result = PerfConsumer.Read(ring.View, 2, PerfSampleLayout.Raw, ref recorder);
        var report = Assert.Single(recorder.Reports);
        Assert.Equal(PerfCorruptionKind.PositionsOutOfRange, report.Kind);
        Assert.Equal(1, result.PositionErrors);
        Assert.Equal(head, ring.Tail);
        Assert.Contains($"data_tail 0x{tail:X} and data_head 0x{head:X}", report.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AHandlerThatStopsLeavesTheRestForTheNextRead()
    {
        using var ring = new PerfBufferSimulator(4096, PerfSampleLayout.Raw);
        for (var i = 0; i < 4; i++)
            Assert.True(ring.TryOutput(Payloads.For(i, 30), out _));

        var recorder = new PerfRecorder(stopAfter: 1);
        var result = PerfConsumer.Read(ring.View, 0, PerfSampleLayout.Raw, ref recorder);
        Assert.True(result.Stopped);
        Assert.Equal(48ul, ring.DataTail);

        recorder = new PerfRecorder();
        result = PerfConsumer.Read(ring.View, 0, PerfSampleLayout.Raw, ref recorder);
        Assert.Equal(3, result.Samples);
        Assert.Equal(Enumerable.Range(1, 3).Select(i => Payloads.For(i, 30)), recorder.Samples.Select(s => s.Payload[..30]));
    }

    [Fact]
    public void AThrowingHandlerConsumesItsSample()
    {
        using var ring = new PerfBufferSimulator(4096, PerfSampleLayout.Raw);
        for (var i = 0; i < 3; i++)
            Assert.True(ring.TryOutput(Payloads.For(i, 30), out _));
        var calls = 0;
        Assert.Throws<InvalidOperationException>(() => PerfConsumer.Read(ring.View, 0, PerfSampleLayout.Raw, (_, _) =>
        {
            if (++calls == 2)
                throw new InvalidOperationException();
        }));
        Assert.Equal(96ul, ring.DataTail);
    }

    [Fact]
    public void ALoneSampleIsConsumedWhenItsHandlerStopsOrThrows()
    {
        // A batch of one well-formed sample takes a path of its own (no walks); it keeps the batch's rules.
        using var ring = new PerfBufferSimulator(4096, PerfSampleLayout.Raw);
        Assert.True(ring.TryOutput(Payloads.For(1, 30), out _));
        var recorder = new PerfRecorder(stopAfter: 1);
        var result = PerfConsumer.Read(ring.View, 0, PerfSampleLayout.Raw, ref recorder);
        Assert.True(result.Stopped);
        Assert.Equal((1L, 36L, 48ul), (result.Samples, result.SampleBytes, result.ConsumedBytes));
        Assert.Equal(48ul, ring.DataTail);
        Assert.Equal(Payloads.For(1, 30), Assert.Single(recorder.Samples).Payload[..30]);

        Assert.True(ring.TryOutput(Payloads.For(2, 30), out _));
        Assert.Throws<InvalidOperationException>(() => PerfConsumer.Read(ring.View, 0, PerfSampleLayout.Raw, (_, _) => throw new InvalidOperationException()));
        Assert.Equal(96ul, ring.DataTail);
    }

    [Theory]
    [InlineData(4ul, 36, 0ul)] // a well-formed sample at a misaligned tail
    [InlineData(0ul, 8180, 8192ul)] // a sample whose header claims 8 KiB, all of what was published, in a 4 KiB ring
    public void ALoneSampleAtImpossiblePositionsIsReportedNotDelivered(ulong tail, int rawSize, ulong advance)
    {
        using var ring = new HandBuiltPerfRing(4096, tail);
        if (advance == 0)
        {
            ring.AppendSample(Payloads.For(1, rawSize));
        }
        else
        {
            var header = new byte[12];
            new PerfEventHeader(PerfEventAbi.PERF_RECORD_SAMPLE, 0, (ushort)advance).Write(header);
            BitConverter.TryWriteBytes(header.AsSpan(8), rawSize);
            ring.Append(header, advance);
        }

        var recorder = new PerfRecorder();
        var result = PerfConsumer.Read(ring.View, 0, PerfSampleLayout.Raw, ref recorder);
        Assert.Empty(recorder.Samples);
        Assert.Equal(PerfCorruptionKind.PositionsOutOfRange, Assert.Single(recorder.Reports).Kind);
        Assert.Equal(1, result.PositionErrors);
        Assert.Equal(ring.Head, ring.Tail);
    }

    [Fact]
    public void TheDelegateOverloadForwardsLostAndCorruption()
    {
        using var ring = new HandBuiltPerfRing(4096);
        var lost = new byte[24];
        new PerfEventHeader(PerfEventAbi.PERF_RECORD_LOST, 0, 24).Write(lost);
        BitConverter.TryWriteBytes(lost.AsSpan(16), 7ul);
        ring.Append(lost);
        ring.AppendHeader(0, 8, 8);

        ulong lostSeen = 0;
        PerfCorruptionKind? kind = null;
        var result = PerfConsumer.Read(ring.View, 0, PerfSampleLayout.Raw, (_, _) => { }, (_, n) => lostSeen += n, (in PerfCorruption c) => kind = c.Kind);
        Assert.Equal(7ul, lostSeen);
        Assert.Equal(PerfCorruptionKind.ImpossibleHeader, kind);
        Assert.Equal(8ul, result.DroppedBytes);
    }

    [Fact]
    public unsafe void ViewsCheckTheirMemory()
    {
        var recorder = new PerfRecorder();
        Assert.Throws<ArgumentException>(() => PerfConsumer.Read(default, 0, PerfSampleLayout.Raw, ref recorder));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PerfBufferView((byte*)4096, (byte*)8192, 3000));
        var page = stackalloc ulong[1056 / 8 + 1];
        page[1040 / 8] = 4096;
        page[1048 / 8] = 1 << 20;
        Assert.Throws<ArgumentException>(() => PerfBufferView.FromMetaPage((byte*)page, 8192));
    }

    private readonly struct SegmentHandler(List<(int First, int Second)> segments) : IPerfRecordHandler
    {
        public bool OnSample(in PerfSample sample)
        {
            segments.Add((sample.First.Length, sample.Second.Length));
            var joined = new byte[sample.Length];
            Assert.Equal(joined.Length, sample.GetContiguous(joined).Length);
            var threw = false;
            try
            {
                sample.CopyTo(new byte[sample.Length - 1]);
            }
            catch (ArgumentException)
            {
                threw = true;
            }

            Assert.True(threw);
            return true;
        }

        public void OnLost(int cpu, ulong lost) => Assert.Fail("no lost records");

        public void OnCorruption(in PerfCorruption corruption) => Assert.Fail(corruption.ToString());
    }
}
