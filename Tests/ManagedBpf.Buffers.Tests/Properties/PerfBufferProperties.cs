using FsCheck;
using FsCheck.Fluent;
using ManagedBpf.Buffers.Perf;
using ManagedBpf.Buffers.Simulation;
using ManagedBpf.Buffers.Tests.Support;

namespace ManagedBpf.Buffers.Tests.Properties;

/// <summary>
/// Random sample sizes and read timings: exactly the samples that fit are delivered, in order and intact (wrapped
/// bodies included), and the LOST records add up to the samples dropped.
/// </summary>
public sealed class PerfBufferProperties
{
    public abstract record PerfOp;

    public sealed record Output(int Length) : PerfOp;

    /// <summary>A read whose handler stops after <paramref name="StopAfter"/> samples (0: never).</summary>
    public sealed record Read(int StopAfter) : PerfOp;

    public sealed record Scenario(int Pages, bool Time, ulong Start, PerfOp[] Ops)
    {
        public ulong Size => (ulong)Pages * 4096;

        public PerfSampleLayout Layout => Time ? PerfSampleLayout.TimeAndRaw : PerfSampleLayout.Raw;

        public override string ToString() => $"{Size}-byte ring, {Layout}, from 0x{Start:X}: {string.Join(", ", Ops.Select(o => o.ToString()))}";
    }

    private readonly Coverage _coverage = new();

    [Fact]
    public void ExactlyTheSamplesThatFitAreDeliveredAndLostCountsAddUp()
    {
        PropertyRuns.Check(PropertyRuns.Perf, Scenarios(), s => Shrink.Ops(s.Ops).Select(ops => s with { Ops = ops }), Run);
        _coverage.AssertReached("wrapped body", "lost record", "dropped sample", "handler stop", "position wrap");
    }

    private static Gen<Scenario> Scenarios() =>
        from pages in Gen.Elements(1, 2, 4, 16)
        from time in Gen.Elements(false, true)
        from start in Gen.OneOf(Gen.Constant(0UL), Gen.Choose(1, 4096).Select(k => 0UL - 8 * (ulong)k), Gen.Choose(0, 1 << 20).Select(k => (ulong)k * 8))
        from count in Gen.Choose(0, 120)
        from ops in Gen.ArrayOf(Ops((ulong)pages * 4096), count)
        select new Scenario(pages, time, start, ops);

    private static Gen<PerfOp> Ops(ulong size)
    {
        var largest = (int)Math.Min(size - 24, (ulong)PerfSampleLayout.TimeAndRaw.MaxSafePayload);
        return Gen.Frequency(
            (10, Gen.Choose(0, 200).Select(PerfOp (l) => new Output(l))),
            (6, Gen.Elements(61, 61, 64).Select(PerfOp (l) => new Output(l))), // runs of one size: the reader's fast path
            (4, Gen.Choose(0, (int)size / 4).Select(PerfOp (l) => new Output(l))),
            (1, Gen.Choose(largest / 2, largest).Select(PerfOp (l) => new Output(l))),
            (3, Gen.Elements(0, 0, 1, 2).Select(PerfOp (s) => new Read(s))));
    }

    private sealed record Expected(bool IsLost, ulong Lost, byte[] Payload, ulong Time, ulong Position);

    private void Run(Scenario scenario)
    {
        var size = scenario.Size;
        var layout = scenario.Layout;
        using var ring = new PerfBufferSimulator(size, layout, cpu: 7, startPosition: scenario.Start);
        var validated = default(PerfValidatedRange); // kept across reads, as PerfCpuRing keeps it: a read that stops part way is resumed
        var queue = new Queue<Expected>();
        var head = scenario.Start;
        ulong pendingLost = 0, dropped = 0, lostSeen = 0;
        long sequence = 0;

        foreach (var op in scenario.Ops)
        {
            if (op is Output(var length))
                Write(length);
            else if (op is Read(var stopAfter))
                lostSeen += ReadAndCheck(stopAfter);
        }

        // Drain, then let one more sample carry the pending LOST count out.
        lostSeen += ReadAndCheck(0);
        if (pendingLost != 0)
        {
            Write(0);
            lostSeen += ReadAndCheck(0);
        }

        Assert.Empty(queue);
        Assert.Equal(dropped, lostSeen);
        Assert.Equal(dropped, ring.TotalLost);
        Assert.Equal(ring.DataHead, ring.DataTail);

        void Write(int length)
        {
            var payload = Payloads.For(sequence, length);
            var time = (ulong)sequence++ * 1_000;
            // The kernel's rule, restated: CIRC_SPACE(head, tail, size) must hold the sample and any pending LOST record.
            var reserve = (ulong)layout.PrefixSize + PerfSampleLayout.PaddedRawSize((ulong)length) + (pendingLost != 0 ? 24UL : 0);
            var fits = ((ring.DataTail - (head + 1)) & (size - 1)) >= reserve;
            Assert.Equal(fits, ring.TryOutput(payload, out var record, time));
            if (!fits)
            {
                pendingLost++;
                dropped++;
                _coverage.Hit("dropped sample");
                return;
            }

            _coverage.Hit("position wrap", head + reserve < head);

            if (pendingLost != 0)
            {
                Assert.Equal(pendingLost, record.LostReported);
                queue.Enqueue(new Expected(true, pendingLost, [], 0, head));
                pendingLost = 0;
            }

            queue.Enqueue(new Expected(false, 0, payload, time, record.Position));
            head += reserve;
            Assert.Equal(head, ring.DataHead);
        }

        ulong ReadAndCheck(int stopAfter)
        {
            var recorder = new PerfRecorder(ring.View, stopAfter == 0 ? int.MaxValue : stopAfter);
            var result = PerfConsumer.Read(ring.View, 7, layout, ref recorder, ref validated);
            Assert.Empty(recorder.Reports);
            Assert.Equal(0, recorder.OutOfBounds);
            ulong lost = 0;
            var samples = 0;
            foreach (var seen in recorder.Events)
            {
                var expected = queue.Dequeue();
                switch (seen)
                {
                    case LostEvent(var cpu, var count):
                        Assert.True(expected.IsLost, "a LOST record where a sample was expected");
                        Assert.Equal(7, cpu);
                        Assert.Equal(expected.Lost, count);
                        lost += count;
                        _coverage.Hit("lost record");
                        break;
                    case SampleEvent sample:
                        Assert.False(expected.IsLost, "a sample where a LOST record was expected");
                        Assert.Equal(7, sample.Cpu);
                        Assert.Equal(expected.Position, sample.Position);
                        Assert.Equal((int)PerfSampleLayout.PaddedRawSize((ulong)expected.Payload.Length), sample.Payload.Length);
                        Assert.True(expected.Payload.AsSpan().SequenceEqual(sample.Payload.AsSpan(0, expected.Payload.Length)), "payload differs");
                        Assert.Equal(layout.HasTime ? expected.Time : 0, sample.Time);
                        samples++;
                        _coverage.Hit("wrapped body", sample.Wrapped);
                        break;
                }
            }

            if (result.Stopped)
                Assert.Equal(stopAfter, samples);
            else
                Assert.Empty(queue);
            _coverage.Hit("handler stop", result.Stopped && queue.Count > 0);
            Assert.Equal(samples, result.Samples);
            Assert.Equal(lost, result.Lost);
            var tail = queue.TryPeek(out var next) ? next.Position : head;
            Assert.Equal(tail, ring.DataTail);
            return lost;
        }
    }
}
