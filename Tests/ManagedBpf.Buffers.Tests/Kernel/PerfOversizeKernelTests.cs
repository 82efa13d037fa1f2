using System.Buffers.Binary;
using ManagedBpf.Buffers.Perf;
using ManagedBpf.Buffers.Tests.Support;
using ManagedBpf.TestSupport;
using Xunit.Abstractions;
using static ManagedBpf.Buffers.Tests.Support.KernelObjects;

namespace ManagedBpf.Buffers.Tests.Kernel;

/// <summary>
/// One oversized sample between small ones, on real per-CPU rings of 16, 32 and 64 pages, for payloads from the
/// largest safe one (65,516 bytes) to 200,000. The reader must deliver only intact samples, account for every byte
/// the kernel published, and name the oversized sample wherever its header survived.
/// </summary>
/// <remarks>
/// <para>
/// What the kernel does (measured here, 6.18, <c>PERF_SAMPLE_RAW</c>): the true size is <c>12 + raw</c>, with raw
/// <c>round_up(payload + 4, 8) - 4</c>; <c>header.size</c> keeps it modulo 65,536, the kernel reserves (moves
/// <c>data_head</c> by) only that, and writes all <c>12 + raw</c> bytes from the sample's position on, wrapping
/// around the ring. So from the sample's position X, slots up to X + true size are written; those past one ring
/// length land on the unread records from <c>data_tail</c> on (the oldest first), and when the true size exceeds the
/// ring, on the sample's own header. Records written later start at X + <c>header.size</c> and are intact.
/// </para>
/// <para>
/// Payloads 65,517 to 65,535 are the cases where <c>header.size</c> ends up at or just above the header:
/// 65,517..65,524 give raw 65,524, true size 65,536 and <c>header.size</c> 0: the kernel reserves nothing, the
/// header it writes at X is unpublished and the next record overwrites it, so the sample leaves no record at all,
/// only its spill (over the whole of a 64 KiB ring, over the unread records when they lie within 65,536 bytes behind
/// it on a larger one). 65,525..65,532 give raw 65,532, true size 65,544, <c>header.size</c> 8: a published 8-byte
/// SAMPLE header, whose raw size the next record overwrites (the reader reports it with an unknown true size).
/// 65,533..65,535 give raw 65,540, true size 65,552, <c>header.size</c> 16: header and raw size both readable.
/// On a 64 KiB ring every one of them overwrites its own header as well.
/// </para>
/// <para>
/// The accounting rule asserted for every read: <c>data_head</c> moves by the kernel's reservations (48 bytes per
/// small sample, <c>header.size</c> for the oversized one, 24 per <c>PERF_RECORD_LOST</c>), the reader's tail moves
/// by the same, and that equals delivered sample bytes (prefix + raw) + 24 × lost records + corrupted bytes. The
/// corrupted bytes equal the sum of the reports' byte counts and the <c>managedbpf.buffer.corrupted.bytes</c> metric.
/// </para>
/// </remarks>
public sealed class PerfOversizeKernelTests(ITestOutputHelper output)
{
    private const int SmallPayload = 32, SmallRecord = 48, LostRecord = 24, Prefix = 12;

    public static TheoryData<int, int, bool> Cases()
    {
        var data = new TheoryData<int, int, bool>();
        foreach (var pages in new[] { 16, 32, 64 })
        {
            foreach (var payload in new[] { 65_516, 65_517, 65_524, 65_525, 65_532, 65_533, 65_535, 70_004, 131_072, 131_080, 200_000 })
            {
                data.Add(pages, payload, false);
                data.Add(pages, payload, true);
            }
        }
        return data;
    }

    /// <param name="pages">Data pages per CPU ring.</param>
    /// <param name="payload">The oversized sample's payload.</param>
    /// <param name="crowded">Whether three quarters of the ring is unread when the oversized sample is written, so
    /// its spill reaches the unread records on every ring size; otherwise only three small samples precede it.</param>
    [KernelTheory]
    [MemberData(nameof(Cases))]
    public void One_oversized_sample_between_small_ones_is_accounted_for_and_only_intact_samples_arrive(int pages, int payload, bool crowded)
    {
        using var map = PerfEventArray();
        using var big = KernelObjects.Array((uint)payload, "big");
        var pattern = new byte[payload];
        pattern.AsSpan().Fill(0xAB);
        big.Update(new byte[4], pattern);
        using var buffer = new PerfBuffer(map, new PerfBufferOptions { PageCount = pages });
        using var normal = Producers.PerfOutput(map, SmallPayload);
        using var oversized = Producers.PerfOutputMapValue(map, big);
        using var counts = new MetricCounts(map.Name);
        var cpu = buffer.Cpus[^1];
        var ringSize = buffer.DataSize;

        var raw = PerfSampleLayout.PaddedRawSize((ulong)payload);
        var trueSize = Prefix + raw;
        var headerSize = trueSize & 0xFFFF;
        var before = crowded ? (int)(ringSize * 3 / 4 / SmallRecord) : 3;

        var emitted = new List<ulong>();
        ulong reserved = 0;
        for (ulong i = 0; i < (ulong)before; i++)
            Emit(i);
        var position = reserved; // the ring starts at 0: the oversized sample's position
        var bigWritten = oversized.RunOnCpu(cpu, 0) == 0;
        if (bigWritten)
            reserved += headerSize;
        for (ulong i = 100_000; i < 100_003; i++)
            Emit(i);

        var recorder = new PerfRecorder();
        var first = buffer.ConsumeCpu(cpu, ref recorder);
        var reports = recorder.Reports.ToList();
        output.WriteLine($"{pages} pages, payload {payload} (raw {raw}, true size {trueSize}, header.size {headerSize}), {before} before, written: {bigWritten}");
        output.WriteLine(first.ToString());
        foreach (var report in reports)
            output.WriteLine(report.ToString());

        // A payload of at most 65,516 bytes is no oversized sample: it arrives whole, like any other.
        var safe = trueSize <= PerfEventAbi.MaxRecordSize;
        var bigOnes = recorder.Samples.Where(s => s.Payload.Length == (int)raw).ToList();
        Assert.Equal(safe && bigWritten ? 1 : 0, bigOnes.Count);
        Assert.All(bigOnes, s => Assert.Equal(pattern, s.Payload));
        var small = recorder.Samples.Except(bigOnes).ToList();

        // No foreign bytes: every other delivered sample is one of the small samples, whole and unchanged, in order.
        var delivered = small.Select(s => BinaryPrimitives.ReadUInt64LittleEndian(s.Payload)).ToList();
        Assert.All(small, s =>
        {
            Assert.Equal((int)PerfSampleLayout.PaddedRawSize(SmallPayload), s.Payload.Length); // the kernel's padding
            Assert.Equal(Expected(cpu, BinaryPrimitives.ReadUInt64LittleEndian(s.Payload)), s.Payload[..SmallPayload]);
        });
        Assert.Subset(emitted.ToHashSet(), delivered.ToHashSet());
        Assert.Equal(delivered.Order(), delivered);
        Assert.Equal(delivered.Distinct().Count(), delivered.Count);
        Assert.All(reports, r => Assert.Equal(cpu, r.Cpu));

        // Every published byte is accounted for: delivered, lost records, or corrupted (reported and counted).
        Assert.Equal(0, first.SkippedRecords);
        Assert.Equal(reserved + (LostRecord * (ulong)first.LostRecords), first.ConsumedBytes);
        Assert.Equal(first.ConsumedBytes, ((ulong)first.Samples * Prefix) + (ulong)first.SampleBytes + (LostRecord * (ulong)first.LostRecords) + first.CorruptedBytes);
        Assert.Equal(first.CorruptedBytes, reports.Aggregate(0ul, (sum, r) => sum + r.ByteCount));
        Assert.Equal((long)first.CorruptedBytes, counts[BufferMetrics.CorruptedBytesName]);
        Assert.Equal(first.CorruptedBytes != 0, counts[BufferMetrics.CorruptedName] != 0);

        var ownHeaderOverwritten = trueSize > ringSize;
        var spillReachesUnread = position > ringSize - Math.Min(trueSize, ringSize);
        if (safe || !bigWritten)
        {
            // Nothing oversized reached the ring; a sample with no room was dropped whole and counted as lost.
            Assert.Equal(emitted, delivered);
            Assert.Empty(reports);
            Assert.Equal(bigWritten ? 0ul : 1ul, first.Lost);
        }
        else if (headerSize == 0)
        {
            // No record at all: only the spill, which destroyed the unread records it reached.
            Assert.DoesNotContain(reports, r => r.Kind == PerfCorruptionKind.OversizedSample);
            if (!spillReachesUnread)
            {
                Assert.Equal(emitted, delivered);
                Assert.Empty(reports);
            }
        }
        else if (!ownHeaderOverwritten)
        {
            // The header survived: the report names the sample, its position and (when its raw size is inside the
            // record) its true size; every small sample after it arrives in this same batch.
            var report = Assert.Single(reports, r => r.Kind == PerfCorruptionKind.OversizedSample);
            Assert.Equal(position, report.Offset);
            Assert.Equal(headerSize, report.Header.Size);
            Assert.Equal(headerSize >= Prefix ? trueSize : 0, report.TrueSize);
            Assert.Equal([100_000ul, 100_001, 100_002], delivered.Where(s => s >= 100_000));
            if (!spillReachesUnread)
                Assert.Equal(emitted, delivered);
        }

        if (!safe && bigWritten && spillReachesUnread)
        {
            // The spill reached the oldest unread records: none of them is delivered, and the loss is counted.
            Assert.DoesNotContain(delivered, s => s == 0);
            Assert.True(first.CorruptedBytes >= SmallRecord);
        }

        // Later batches are read normally.
        recorder = new PerfRecorder();
        for (ulong i = 200_000; i < 200_003; i++)
            Assert.Equal(0, normal.RunOnCpu(cpu, i));
        var later = buffer.ConsumeCpu(cpu, ref recorder);
        Assert.Equal(3, later.Samples);
        Assert.Empty(recorder.Reports);
        Assert.Equal([200_000ul, 200_001, 200_002], recorder.Samples.Select(s => BinaryPrimitives.ReadUInt64LittleEndian(s.Payload)));
        Assert.Equal(0ul, later.CorruptedBytes);

        void Emit(ulong seq)
        {
            if (normal.RunOnCpu(cpu, seq) != 0)
                return;
            emitted.Add(seq);
            reserved += SmallRecord;
        }
    }

    /// <summary>What <see cref="Producers.PerfOutput"/> writes: seq, cpu, then <see cref="Producers.PerfFill"/>.</summary>
    private static byte[] Expected(int cpu, ulong seq)
    {
        var bytes = new byte[SmallPayload];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, seq);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), (ulong)cpu);
        for (var at = 16; at < SmallPayload; at += 8)
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(at), Producers.PerfFill);
        return bytes;
    }
}
