using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using ManagedBpf.Buffers.Perf;
using ManagedBpf.Buffers.Simulation;
using ManagedBpf.Buffers.Tests.Support;

namespace ManagedBpf.Buffers.Tests.Properties;

/// <summary>
/// Oversized samples injected at random points of random streams: they are never delivered, each one the reader can
/// see is reported with its CPU, position and true size, every record its spill can reach is withheld and counted,
/// and everything else, in particular every later batch, is delivered intact.
/// </summary>
/// <remarks>
/// The oracle tracks, for every 8-byte slot of the data area, which record wrote it last and at which offset of that
/// record, following the simulator's writes (later writes win, spills wrap). A walk over that map predicts what the
/// reader sees at each position: an intact header, an 8-byte unit of an oversized sample's payload, or bytes that no
/// kernel header could be. Payloads are built so that this classification is exact:
/// <list type="bullet">
/// <item>normal samples carry <c>[u32 sequence][0xFF...]</c> and raw sizes of at least 64, and times whose low half is
/// 0xFFFFFFF0, so any slot inside them reads as an impossible type;</item>
/// <item>oversized samples carry zeros (as measured on the kernel: the spill reads as impossible headers) or a run of
/// 8-byte records of a skippable type (the spill reads as plausible records, which only the spill rule withholds);</item>
/// <item>LOST records carry an event id whose low half is 0xFFFFFFFF.</item>
/// </list>
/// </remarks>
public sealed class PerfGuardProperties
{
    private const int Cpu = 6;
    private const uint FakeType = 5; // PERF_RECORD_THROTTLE-shaped: a kernel type the reader skips
    private const ulong EventId = ulong.MaxValue;

    public enum Spill
    {
        Zeros,
        PlausibleRecords,
    }

    public abstract record GuardOp;

    /// <summary>A well-formed sample of <paramref name="TrueSize"/> bytes.</summary>
    public sealed record Normal(int TrueSize) : GuardOp;

    /// <summary>A sample whose true size exceeds the u16 <c>header.size</c>.</summary>
    public sealed record Oversized(int TrueSize) : GuardOp;

    public sealed record Read : GuardOp;

    public sealed record Scenario(int Pages, bool Time, ulong Start, Spill Spill, GuardOp[] Ops)
    {
        public ulong Size => (ulong)Pages * 4096;

        public PerfSampleLayout Layout => Time ? PerfSampleLayout.TimeAndRaw : PerfSampleLayout.Raw;

        public override string ToString() => $"{Size}-byte ring, {Layout}, spill {Spill}, from 0x{Start:X}: {string.Join(", ", Ops.Select(o => o.ToString()))}";
    }

    private readonly Coverage _coverage = new();

    [Fact]
    public void OversizedSamplesAreNeverDeliveredAndTheirSpillIsContained()
    {
        PropertyRuns.Check(PropertyRuns.Guard, Scenarios(), s => Shrink.Ops(s.Ops).Select(ops => s with { Ops = ops }), Run);
        _coverage.AssertReached(
            "oversized reported", "spill damage withheld", "impossible header dropped", "oversized wiped its own header",
            "delivered beside damage", "clean batch after damage", "lost record", "position wrap", "resynchronised past unreadable damage");
    }

    private static Gen<Scenario> Scenarios() =>
        from pages in Gen.Elements(16, 32, 64)
        from time in Gen.Elements(false, true)
        from start in Gen.OneOf(Gen.Constant(0UL), Gen.Choose(1, 1 << 16).Select(k => 0UL - 8 * (ulong)k))
        from spill in Gen.Elements(Spill.Zeros, Spill.PlausibleRecords, Spill.PlausibleRecords)
        from readWeight in Gen.Elements(1, 3, 8)
        from count in Gen.Choose(10, 120)
        from ops in Gen.ArrayOf(Ops(readWeight), count)
        select new Scenario(pages, time, start, spill, ops);

    private static Gen<GuardOp> Ops(int readWeight) => Gen.Frequency(
        (12, Gen.Choose(12, 512).Select(GuardOp (n) => new Normal(n * 8))),
        (2, Gen.Choose(8196, 13192).Select(GuardOp (n) => new Oversized(n * 8))),
        // Runs of one size, and oversized samples whose truncated size is that size: their header repeats the run's,
        // only the raw size differs (the reader's fast path for runs must still catch them).
        (8, Gen.Constant<GuardOp>(new Normal(RunSize))),
        (1, Gen.Constant<GuardOp>(new Oversized(65_536 + RunSize))),
        (readWeight, Gen.Constant<GuardOp>(new Read())));

    private const int RunSize = 800;

    private enum Kind
    {
        Sample,
        Oversized,
        Lost,
    }

    private sealed record Written(Kind Kind, ulong Position, ulong TrueSize, ushort HeaderSize, byte[] Payload, ulong Time, ulong Lost, bool Plausible);

    private void Run(Scenario scenario)
    {
        var size = scenario.Size;
        var layout = scenario.Layout;
        using var ring = new PerfBufferSimulator(size, layout, Cpu, scenario.Start, eventId: EventId);
        var validated = default(PerfValidatedRange); // kept across reads, as PerfCpuRing keeps it
        var written = new List<Written>();
        var slots = new (int Record, int Offset)[size / 8];
        slots.AsSpan().Fill((-1, 0));
        var sequence = 0u;
        var damagedBefore = false;

        foreach (var op in scenario.Ops)
        {
            switch (op)
            {
                case Normal(var trueSize):
                    Output(trueSize, oversized: false);
                    break;
                case Oversized(var trueSize):
                    Output(trueSize, oversized: true);
                    break;
                default:
                    ReadAndCheck();
                    break;
            }
        }

        ReadAndCheck();
        Assert.Equal(ring.DataHead, ring.DataTail);

        void Output(int trueSize, bool oversized)
        {
            var length = trueSize - layout.PrefixSize; // pads to nothing: trueSize is a multiple of 8
            var payload = oversized ? OversizedPayload(length, scenario.Spill) : NormalPayload(length, sequence);
            var time = ((ulong)sequence++ << 32) | 0xFFFF_FFF0;
            var headBefore = ring.DataHead;
            if (!ring.TryOutput(payload, out var record, time))
                return;
            _coverage.Hit("position wrap", ring.DataHead < headBefore);

            if (record.LostReported != 0)
            {
                Mark(written.Count, record.LostPosition, PerfEventAbi.LostRecordSize);
                written.Add(new Written(Kind.Lost, record.LostPosition, PerfEventAbi.LostRecordSize, PerfEventAbi.LostRecordSize, [], 0, record.LostReported, false));
            }

            Assert.Equal((ulong)trueSize, record.TrueSize);
            Assert.Equal(oversized, record.IsTruncated);
            Mark(written.Count, record.Position, record.TrueSize);
            written.Add(new Written(oversized ? Kind.Oversized : Kind.Sample, record.Position, record.TrueSize, record.HeaderSize, payload, time, 0,
                oversized && scenario.Spill == Spill.PlausibleRecords));
            _coverage.Hit("oversized wiped its own header", oversized && record.TrueSize > size);
        }

        // Later writes win; a write longer than the ring wraps over itself, as the kernel's does.
        void Mark(int record, ulong position, ulong length)
        {
            for (ulong k = 0; k < length; k += 8)
                slots[((position + k) & (size - 1)) / 8] = (record, (int)k);
        }

        void ReadAndCheck()
        {
            var tail = ring.DataTail;
            var head = ring.DataHead;
            var available = head - tail;

            // What the reader will see, position by position.
            var (entries, validEnd) = Walk(tail, 0, available);

            // An impossible header with an intact oversized sample after it, whose spill reaches it and whose records
            // lead exactly to data_head: the reader resynchronises there. What lies between is one unreadable record.
            ulong resync = 0;
            for (var c = validEnd + 8; validEnd < available && c < available; c += 8)
            {
                var (index, offset) = slots[((tail + c) & (size - 1)) / 8];
                if (index < 0 || offset != 0 || written[index] is not { Kind: Kind.Oversized } candidate || candidate.Position != tail + c
                    || slots[((tail + c + (ulong)(layout.RawSizeOffset & ~7)) & (size - 1)) / 8] != (index, layout.RawSizeOffset & ~7)
                    || c + candidate.TrueSize <= size + validEnd)
                    continue;
                var (rest, end) = Walk(tail, c, available);
                if (end != available)
                    continue;
                entries = [.. entries, (validEnd, null, null, c - validEnd, true), .. rest];
                (resync, validEnd) = (c, available);
                break;
            }

            // The guard's rule: records below an oversized sample's position + true size - ring size are damaged.
            ulong spillEnd = 0, spillSource = 0, spillTrueSize = 0;
            foreach (var entry in entries)
            {
                if (entry.Garbage)
                {
                    (spillEnd, spillSource, spillTrueSize) = (resync, tail + resync, entries.First(e => e.At == resync).Record!.TrueSize);
                    continue;
                }

                if (entry.Kind != Kind.Oversized || entry.At + entry.Record!.TrueSize <= size)
                    continue;
                var reached = Math.Min(entry.At + entry.Record!.TrueSize - size, entry.At);
                if (reached > spillEnd)
                    (spillEnd, spillSource, spillTrueSize) = (reached, tail + entry.At, entry.Record.TrueSize);
            }

            var expected = new List<string>();
            var damaged = entries.Where(e => e.At < spillEnd).ToList();
            var damagedEnd = damaged.Count == 0 ? 0 : damaged[^1].At + damaged[^1].Size;
            if (damaged.Count > 0)
                expected.Add($"damage at {tail} records {damaged.Count} bytes {damagedEnd} from {spillSource} true {spillTrueSize}");
            var samples = new List<Written>();
            long skipped = 0, oversizedCount = 0, lostRecords = 0;
            foreach (var entry in entries.Where(e => e.At >= spillEnd))
            {
                switch (entry.Kind)
                {
                    case Kind.Sample:
                        expected.Add($"sample at {tail + entry.At}");
                        samples.Add(entry.Record!);
                        break;
                    case Kind.Oversized:
                        expected.Add($"oversized at {tail + entry.At} true {entry.Record!.TrueSize} header {entry.Record.HeaderSize}");
                        oversizedCount++;
                        break;
                    case Kind.Lost:
                        expected.Add($"lost {entry.Record!.Lost}");
                        lostRecords++;
                        break;
                    default:
                        skipped += entry.Garbage ? 0 : 1;
                        break;
                }
            }

            if (validEnd < available)
                expected.Add($"impossible at {tail + validEnd} dropping {available - validEnd}");

            var recorder = new PerfRecorder(ring.View);
            var result = PerfConsumer.Read(ring.View, Cpu, layout, ref recorder, ref validated);
            Assert.Equal(0, recorder.OutOfBounds);

            var actual = recorder.Events.Select(e => e switch
            {
                SampleEvent s => $"sample at {s.Position}",
                LostEvent l => $"lost {l.Lost}",
                CorruptionEvent { Report: var r } => r.Kind switch
                {
                    PerfCorruptionKind.SpillDamage => $"damage at {r.Position} records {r.RecordCount} bytes {r.ByteCount} from {r.SpillSource} true {r.TrueSize}",
                    PerfCorruptionKind.OversizedSample => $"oversized at {r.Position} true {r.TrueSize} header {r.Header.Size}",
                    PerfCorruptionKind.ImpossibleHeader => $"impossible at {r.Position} dropping {r.ByteCount}",
                    _ => r.ToString(),
                },
                _ => e.ToString()!,
            }).ToList();
            Assert.Equal(expected, actual);
            Assert.All(recorder.Reports, r => Assert.Equal(Cpu, r.Cpu));

            var delivered = recorder.Samples.ToList();
            for (var i = 0; i < samples.Count; i++)
            {
                Assert.True(samples[i].Payload.AsSpan().SequenceEqual(delivered[i].Payload), "a delivered sample differs from what was written");
                Assert.Equal(layout.HasTime ? samples[i].Time : 0, delivered[i].Time);
            }

            Assert.Equal(samples.Count, result.Samples);
            Assert.Equal(damaged.Count, result.CorruptedRecords);
            Assert.Equal(oversizedCount, result.OversizedSamples);
            Assert.Equal(skipped, result.SkippedRecords);
            Assert.Equal(lostRecords, result.LostRecords);
            Assert.Equal(available - validEnd, result.DroppedBytes);
            Assert.Equal(head, ring.DataTail);

            var damage = damaged.Count > 0 || validEnd < available;
            _coverage.Hit("oversized reported", oversizedCount > 0);
            _coverage.Hit("spill damage withheld", damaged.Count > 0);
            _coverage.Hit("impossible header dropped", validEnd < available);
            _coverage.Hit("delivered beside damage", damage && samples.Count > 0);
            _coverage.Hit("clean batch after damage", damagedBefore && !damage && oversizedCount == 0 && samples.Count > 0);
            _coverage.Hit("lost record", lostRecords > 0);
            damagedBefore = damage || oversizedCount > 0;
            _coverage.Hit("resynchronised past unreadable damage", resync != 0);
        }

        // The records from `from` on as the reader will parse them, and where that stops (an impossible header).
        (List<(ulong At, Kind? Kind, Written? Record, ulong Size, bool Garbage)> Entries, ulong End) Walk(ulong tail, ulong from, ulong available)
        {
            var entries = new List<(ulong At, Kind? Kind, Written? Record, ulong Size, bool Garbage)>();
            var at = from;
            while (at < available)
            {
                var (index, offset) = slots[((tail + at) & (size - 1)) / 8];
                var record = index < 0 ? null : written[index];
                if (record is not null && offset == 0)
                {
                    Assert.True(record.Position == tail + at, "oracle: a header slot holds a record from another lap");
                    var recordSize = record.Kind == Kind.Oversized ? record.HeaderSize : record.TrueSize;
                    Assert.True(at + recordSize <= available, "oracle: a record runs past data_head");
                    if (record.Kind != Kind.Lost)
                        Assert.Equal((index, layout.RawSizeOffset & ~7), slots[((tail + at + (ulong)(layout.RawSizeOffset & ~7)) & (size - 1)) / 8]);
                    entries.Add((at, record.Kind, record, recordSize, false));
                    at += recordSize;
                }
                else if (record is { Plausible: true } && offset >= layout.PrefixSize + 4 && (ulong)offset + 8 <= record.TrueSize)
                {
                    entries.Add((at, null, null, 8, false)); // one 8-byte record of the spilled payload
                    at += 8;
                }
                else
                {
                    return (entries, at);
                }
            }

            return (entries, available);
        }
    }

    /// <summary><c>[u32 sequence][0xFF...]</c>: every 8-byte slot inside the sample reads as an impossible header.</summary>
    private static byte[] NormalPayload(int length, uint sequence)
    {
        var payload = new byte[length];
        payload.AsSpan().Fill(0xFF);
        BinaryPrimitives.WriteUInt32LittleEndian(payload, sequence);
        return payload;
    }

    /// <summary>Zeros, or 8-byte records of a skippable type at every 8-byte aligned ring position the payload covers.</summary>
    private static byte[] OversizedPayload(int length, Spill spill)
    {
        var payload = new byte[length];
        if (spill == Spill.Zeros)
            return payload;
        // Payload byte i sits at record offset PrefixSize + i; PrefixSize + 4 is a multiple of 8.
        for (var i = 4; i + 8 <= length; i += 8)
            new PerfEventHeader(FakeType, 0, 8).Write(payload.AsSpan(i));
        return payload;
    }
}
