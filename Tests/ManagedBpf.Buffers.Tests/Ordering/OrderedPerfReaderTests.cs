using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using ManagedBpf.Buffers.Ordering;
using ManagedBpf.Buffers.Perf;
using ManagedBpf.Buffers.Simulation;
using ManagedBpf.Buffers.Tests.Properties;
using ManagedBpf.Buffers.Tests.Support;

namespace ManagedBpf.Buffers.Tests.Ordering;

/// <summary>
/// The ordered perf reader over several simulated CPU rings with interleaved timestamps: nothing lost or duplicated,
/// each CPU's order kept, output sorted whenever no bound forced an early release, and every inversion accounted for
/// as a late sample.
/// </summary>
public sealed class OrderedPerfReaderTests
{
    public const int Cases = 1_500;

    /// <summary>One output: on <paramref name="Cpu"/>, <paramref name="Delta"/> after the previous event, then maybe a read.</summary>
    public sealed record Op(int Cpu, int Delta, int Length, bool ReadAfter);

    public sealed record Scenario(int Cpus, int Pages, int MaxSamples, ulong MaxDelay, Op[] Ops)
    {
        public override string ToString() => $"{Cpus} CPUs, {Pages} pages, window {MaxSamples}/{MaxDelay}: {string.Join(", ", Ops.Select(o => o.ToString()))}";
    }

    private sealed record Delivered(int Cpu, ulong Time, ulong Seq);

    [Fact]
    public void Interleaved_cpus_come_out_in_time_order()
    {
        var sims = Enumerable.Range(0, 3).Select(c => new PerfBufferSimulator(4096, PerfSampleLayout.TimeAndRaw, cpu: c * 2)).ToArray();
        try
        {
            var output = new List<(int Cpu, ulong Time)>();
            using var reader = new OrderedPerfReader(
                sims.Select(s => KeyValuePair.Create(s.Cpu, s.View)).ToList(), PerfSampleLayout.TimeAndRaw,
                (cpu, time, payload) => output.Add((cpu, time)));
            // CPU 0: 10, 40, 70; CPU 2: 20, 50; CPU 4: 30, 60.
            ulong[][] times = [[10, 40, 70], [20, 50], [30, 60]];
            for (var c = 0; c < 3; c++)
            {
                foreach (var t in times[c])
                    Assert.True(sims[c].TryOutput(new byte[16], out _, t));
            }

            reader.Read();
            // Watermark = min(70, 50, 60) = 50: everything up to 50 is out, 60 and 70 wait.
            Assert.Equal([10ul, 20, 30, 40, 50], output.Select(o => o.Time));
            Assert.Equal(2, reader.Orderer.Count);
            Assert.True(sims[1].TryOutput(new byte[16], out _, 80));
            reader.Read();
            Assert.Equal([10ul, 20, 30, 40, 50, 60], output.Select(o => o.Time));
            reader.Flush();
            Assert.Equal([10ul, 20, 30, 40, 50, 60, 70, 80], output.Select(o => o.Time));
            Assert.Equal([0, 2, 4, 0, 2, 4, 0, 2], output.Select(o => o.Cpu));
            Assert.Equal(0, reader.Orderer.LateSamples);
            Assert.Equal(0, reader.Orderer.ReleasedByBound);
        }
        finally
        {
            foreach (var s in sims)
                s.Dispose();
        }
    }

    [Fact]
    public void An_idle_cpu_holds_nothing_back_past_the_window_bounds()
    {
        var output = new List<ulong>();
        using var orderer = new PerfSampleOrderer([0, 1], (_, time, _) => output.Add(time), new PerfOrderingOptions { MaxSamples = 3, MaxDelay = 1000 });
        orderer.Add(0, 100, [1]);
        orderer.Add(0, 200, [2]);
        orderer.Add(0, 300, [3]);
        Assert.Equal(0, orderer.ReleaseReady()); // CPU 1 has shown nothing
        orderer.Add(0, 400, [4]); // 4 held > 3
        Assert.Equal([100ul], output);
        Assert.Equal(0, orderer.ReleaseReady());
        orderer.Add(0, 1350, [5]); // 4 held > 3 again
        Assert.Equal([100ul, 200], output);
        Assert.Equal(0, orderer.ReleaseReady()); // the delay is measured against the previous pass's newest, 400
        Assert.Equal(1, orderer.ReleaseReady()); // now against 1350: 300 is more than 1000 older, 400 is not
        Assert.Equal([100ul, 200, 300], output);
        Assert.Equal(3, orderer.ReleasedByBound);
        orderer.Add(1, 150, [6]); // earlier than 300, already released: late
        Assert.Equal(1, orderer.LateSamples);
        orderer.ReleaseReady(); // watermark min(1350, 150) = 150
        Assert.Equal([100ul, 200, 300, 150], output);
        orderer.Flush();
        Assert.Equal([100ul, 200, 300, 150, 400, 1350], output);
        Assert.Equal(0, orderer.Count);
        Assert.Equal(0, orderer.Bytes);
    }

    [Fact]
    public void A_reader_descheduled_between_two_rings_does_not_release_past_a_sample_published_meanwhile()
    {
        // CI under load: pass 1 read CPU 1's ring while it was empty, the reader lost the CPU, and when it read CPU 0
        // the samples there spanned more than the delay; CPU 1's sample stamped in between was published meanwhile
        // and is read by pass 2. It must come out in order and not as a late sample.
        const ulong ms = 1_000_000;
        var output = new List<ulong>();
        using var orderer = new PerfSampleOrderer([0, 1], (_, time, _) => output.Add(time), new PerfOrderingOptions { MaxDelay = 100 * ms });
        orderer.Add(1, 1 * ms, [0]); // both CPUs have been seen before
        orderer.Add(0, 2 * ms, [0]);
        orderer.ReleaseReady();
        Assert.Equal([1 * ms], output);

        orderer.Add(0, 10 * ms, [1]); // pass 1: CPU 1 empty, then CPU 0 after a 300 ms stall
        orderer.Add(0, 310 * ms, [2]);
        orderer.ReleaseReady();
        orderer.Add(1, 20 * ms, [3]); // pass 2: CPU 1's sample from the stall
        orderer.ReleaseReady();
        orderer.Flush();

        Assert.Equal([1 * ms, 2 * ms, 10 * ms, 20 * ms, 310 * ms], output);
        Assert.Equal(0, orderer.LateSamples);
    }

    [Fact]
    public void A_delay_of_zero_is_perfs_finished_round_rule()
    {
        // Each pass releases what is older than the newest timestamp of the pass before, even with one CPU idle.
        var output = new List<ulong>();
        using var orderer = new PerfSampleOrderer([0, 1], (_, time, _) => output.Add(time), new PerfOrderingOptions { MaxDelay = 0 });
        orderer.Add(0, 10, [0]);
        orderer.Add(0, 20, [0]);
        orderer.ReleaseReady();
        Assert.Empty(output);
        orderer.Add(0, 30, [0]);
        orderer.ReleaseReady();
        Assert.Equal([10ul], output); // 20 is not older than the previous pass's newest (20)
        orderer.ReleaseReady();
        Assert.Equal([10ul, 20], output);
        Assert.Equal(2, orderer.ReleasedByBound);
    }

    [Fact]
    public void A_byte_bound_releases_the_oldest_and_payloads_arrive_intact()
    {
        var output = new List<byte[]>();
        using var orderer = new PerfSampleOrderer([3], (_, _, p) => output.Add(p.ToArray()), new PerfOrderingOptions { MaxBytes = 100 });
        orderer.Add(3, 2, Enumerable.Repeat((byte)2, 60).ToArray());
        orderer.Add(3, 1, Enumerable.Repeat((byte)1, 60).ToArray());
        Assert.Single(output);
        Assert.All(output[0], b => Assert.Equal(1, b));
        Assert.Throws<ArgumentOutOfRangeException>(() => orderer.Add(4, 1, [1]));
        orderer.Flush();
        Assert.All(output[1], b => Assert.Equal(2, b));
    }

    [Fact]
    public void A_layout_without_time_is_refused()
    {
        using var sim = new PerfBufferSimulator(4096, PerfSampleLayout.Raw);
        Assert.Throws<ArgumentException>(() => new OrderedPerfReader([KeyValuePair.Create(0, sim.View)], PerfSampleLayout.Raw, (_, _, _) => { }));
    }

    [Fact]
    public void Steady_state_ordering_allocates_nothing_per_sample()
    {
        var sims = Enumerable.Range(0, 2).Select(c => new PerfBufferSimulator(16384, PerfSampleLayout.TimeAndRaw, cpu: c)).ToArray();
        try
        {
            long sum = 0;
            using var reader = new OrderedPerfReader(sims.Select(s => KeyValuePair.Create(s.Cpu, s.View)).ToList(), PerfSampleLayout.TimeAndRaw,
                (cpu, time, payload) => sum += payload[0]);
            var payload = new byte[64];
            ulong t = 0;
            void Round()
            {
                for (var i = 0; i < 100; i++)
                    sims[i & 1].TryOutput(payload, out _, ++t);
                reader.Read();
            }

            for (var i = 0; i < 50; i++)
                Round(); // warm up the pool and the heap
            var attempts = 0;
            Assert.Equal(0, SteadyAllocation.Measure(() =>
            {
                attempts++;
                for (var i = 0; i < 100; i++)
                    Round();
            }));
            Assert.Equal(5_000 + (10_000 * attempts) - reader.Orderer.Count, reader.Orderer.Released);
        }
        finally
        {
            foreach (var s in sims)
                s.Dispose();
        }
    }

    [Fact]
    public void Nothing_is_lost_or_duplicated_and_order_holds_within_the_window()
    {
        var scenarios =
            from cpus in Gen.Choose(1, 4)
            from pages in Gen.Elements(1, 2)
            from maxSamples in Gen.Elements(1, 4, 16, 100_000)
            from maxDelay in Gen.Elements(50UL, 500UL, ulong.MaxValue)
            from count in Gen.Choose(0, 150)
            from ops in Gen.ArrayOf(
                from cpu in Gen.Choose(0, cpus - 1)
                from delta in Gen.Choose(0, 40)
                from length in Gen.Choose(8, 300)
                from read in Gen.Frequency((1, Gen.Constant(true)), (4, Gen.Constant(false)))
                select new Op(cpu, delta, length, read), count)
            select new Scenario(cpus, pages, maxSamples, maxDelay, ops);
        PropertyRuns.Check(Cases, scenarios, s => s.Ops.Length == 0 ? [] : [s with { Ops = s.Ops[..(s.Ops.Length / 2)] }, s with { Ops = s.Ops[1..] }], Run);
    }

    private static void Run(Scenario scenario)
    {
        // CPU ids with gaps: 1, 3, 5, ...
        var sims = Enumerable.Range(0, scenario.Cpus)
            .Select(c => new PerfBufferSimulator((ulong)scenario.Pages * 4096, PerfSampleLayout.TimeAndRaw, cpu: (2 * c) + 1)).ToArray();
        try
        {
            var delivered = new List<Delivered>();
            var lengths = scenario.Ops.Select(o => o.Length).ToArray();
            var written = new List<Delivered>();
            PerfSampleOrderer orderer;
            using var reader = new OrderedPerfReader(sims.Select(s => KeyValuePair.Create(s.Cpu, s.View)).ToList(), PerfSampleLayout.TimeAndRaw,
                (cpu, time, payload) =>
                {
                    var seq = BinaryPrimitives.ReadUInt64LittleEndian(payload);
                    for (var i = 8; i < lengths[(int)seq]; i++)
                    {
                        if (payload[i] != (byte)(seq + (ulong)i))
                            throw new InvalidOperationException($"payload of {seq} damaged at {i}");
                    }

                    delivered.Add(new Delivered(cpu, time, seq));
                },
                new PerfOrderingOptions { MaxSamples = scenario.MaxSamples, MaxDelay = scenario.MaxDelay });
            orderer = reader.Orderer;
            ulong clock = 1, seqNo = 0;
            var lost = 0;
            foreach (var op in scenario.Ops)
            {
                clock += (ulong)op.Delta;
                var payload = new byte[op.Length];
                BinaryPrimitives.WriteUInt64LittleEndian(payload, seqNo);
                for (var i = 8; i < payload.Length; i++)
                    payload[i] = (byte)(seqNo + (ulong)i);
                if (sims[op.Cpu].TryOutput(payload, out _, clock))
                    written.Add(new Delivered(sims[op.Cpu].Cpu, clock, seqNo));
                else
                    lost++;
                seqNo++;
                if (op.ReadAfter)
                    reader.Read();
            }

            reader.Flush();
            // Nothing lost or duplicated: exactly what was written (and not dropped by a full ring) comes out.
            Assert.Equal(written.OrderBy(d => d.Seq), delivered.OrderBy(d => d.Seq));
            // Each CPU's order is kept.
            foreach (var group in delivered.GroupBy(d => d.Cpu))
                Assert.Equal(group.Select(d => d.Seq).Order(), group.Select(d => d.Seq));
            // Every inversion is a late sample; with no early release there are none and the output is sorted.
            ulong max = 0;
            var inversions = 0;
            foreach (var d in delivered)
            {
                if (d.Time < max)
                    inversions++;
                max = Math.Max(max, d.Time);
            }

            Assert.True(inversions <= orderer.LateSamples, $"{inversions} inversions, {orderer.LateSamples} late");
            if (orderer.ReleasedByBound == 0)
            {
                Assert.Equal(0, orderer.LateSamples);
                Assert.Equal(0, inversions);
            }

            if (scenario.MaxSamples == 100_000 && scenario.MaxDelay == ulong.MaxValue)
                Assert.Equal(written.OrderBy(d => d.Time).ThenBy(d => d.Seq).Select(d => d.Time), delivered.Select(d => d.Time));
            Assert.Equal(0, orderer.Count);
            Assert.Equal(scenario.Ops.Length - written.Count, lost);
        }
        finally
        {
            foreach (var s in sims)
                s.Dispose();
        }
    }
}
