using System.Buffers.Binary;
using ManagedBpf.Buffers.Perf;
using ManagedBpf.Buffers.Tests.Support;
using ManagedBpf.Kernel;
using ManagedBpf.TestSupport;
using Xunit.Abstractions;
using static ManagedBpf.Buffers.Tests.Support.KernelObjects;

namespace ManagedBpf.Buffers.Tests.Kernel;

/// <summary>
/// A <see cref="PerfBuffer"/> over a real perf event array, filled by a RAW_TRACEPOINT program calling
/// <c>bpf_perf_event_output(ctx, map, BPF_F_CURRENT_CPU, ...)</c>, test-run on a chosen CPU (BPF_F_TEST_RUN_ON_CPU).
/// </summary>
public sealed class PerfBufferKernelTests(ITestOutputHelper output)
{
    private const int ENOSPC = 28, ENOENT = 2;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [KernelFact]
    public void Each_cpu_gets_its_own_samples_intact_and_in_order()
    {
        using var map = PerfEventArray();
        using var buffer = new PerfBuffer(map, new PerfBufferOptions { PageCount = 8 });
        using var producer = Producers.PerfOutput(map, 32);
        Assert.Equal(KernelInfo.OnlineCpus(), buffer.Cpus);
        Assert.Empty(buffer.SkippedCpus);
        foreach (var cpu in buffer.Cpus)
        {
            for (ulong i = 0; i < 100; i++)
                Assert.Equal(0, producer.RunOnCpu(cpu, Seq(cpu, i)));
        }

        Assert.Equal(100ul * (8 + 4 + 36), buffer.MaxAvailableBytes); // per CPU: header, raw size, padded raw data

        var recorder = new PerfRecorder();
        var result = buffer.ConsumeAll(ref recorder);
        Assert.Equal(100L * buffer.Cpus.Count, result.Samples);
        Assert.Equal(0ul, buffer.MaxAvailableBytes);
        foreach (var cpu in buffer.Cpus)
        {
            var mine = recorder.Samples.Where(s => s.Cpu == cpu).ToList();
            Assert.Equal(Enumerable.Range(0, 100).Select(i => Seq(cpu, (ulong)i)), mine.Select(s => BinaryPrimitives.ReadUInt64LittleEndian(s.Payload)));
            Assert.All(mine, s => Assert.Equal((ulong)cpu, BinaryPrimitives.ReadUInt64LittleEndian(s.Payload.AsSpan(8))));
            Assert.All(mine, s => Assert.Equal(36, s.Payload.Length)); // the raw size padded: round_up(32 + 4, 8) - 4
        }
        Assert.Empty(recorder.Reports);
        Assert.Equal(result.Samples, buffer.Totals.Samples);
    }

    [KernelFact]
    public void Samples_that_wrap_around_a_one_page_ring_arrive_in_two_segments_intact()
    {
        using var map = PerfEventArray();
        using var buffer = new PerfBuffer(map, new PerfBufferOptions { PageCount = 1 });
        using var producer = Producers.PerfOutput(map, 200); // 216-byte records: not a divisor of the page
        var cpu = buffer.Cpus[0];
        var recorder = new PerfRecorder();
        ulong seq = 0;
        for (var round = 0; round < 100; round++)
        {
            for (var i = 0; i < 10; i++)
                Assert.Equal(0, producer.RunOnCpu(cpu, seq++));
            Assert.Equal(10, buffer.ConsumeCpu(cpu, ref recorder).Samples);
        }

        Assert.Equal(Enumerable.Range(0, (int)seq).Select(i => (ulong)i), Sequence(recorder));
        Assert.All(recorder.Samples, s => Assert.Equal(Expected(0, 0, 200)[16..], s.Payload[16..200]));
        var wrapped = recorder.Samples.Count(s => s.Wrapped);
        output.WriteLine($"{recorder.SampleCount} samples, {wrapped} wrapped");
        Assert.True(wrapped > 10);
    }

    [KernelFact]
    public void Samples_dropped_on_a_full_ring_are_reported_as_lost()
    {
        using var map = PerfEventArray();
        using var buffer = new PerfBuffer(map, new PerfBufferOptions { PageCount = 1 });
        using var producer = Producers.PerfOutput(map, 16);
        var cpu = buffer.Cpus[^1];
        var failed = 0;
        for (ulong i = 0; i < 200; i++)
        {
            var error = producer.RunOnCpu(cpu, i);
            Assert.True(error is 0 or -ENOSPC, $"bpf_perf_event_output returned {error}");
            failed += error == 0 ? 0 : 1;
        }
        Assert.True(failed > 0);

        var recorder = new PerfRecorder();
        Assert.Equal(200 - failed, buffer.ConsumeAll(ref recorder).Samples);
        Assert.Equal(0, producer.RunOnCpu(cpu, 1000)); // the kernel writes the LOST record in front of this one
        var result = buffer.ConsumeAll(ref recorder);
        Assert.Equal(1, result.Samples);
        Assert.Equal((ulong)failed, result.Lost);
        Assert.Equal([(cpu, (ulong)failed)], recorder.Events.OfType<LostEvent>().Select(l => (l.Cpu, l.Lost)));
        Assert.Equal((ulong)failed, buffer.Totals.Lost);
    }

    /// <summary>
    /// The 64 KiB test. A 70,004-byte sample (from a 70,004-byte array value) has a true size of 70,016 bytes, so its
    /// u16 header.size says 4,480. On a 256 KiB ring the kernel's spill lands in free space: the reader reports the
    /// sample with its CPU, offset and true size, skips it by header.size, and delivers the samples around it. On a
    /// 64 KiB ring the spill wraps over every unread record, its own header included: nothing from that batch may be
    /// delivered, the damage is reported and counted, and samples written after the batch arrive intact.
    /// </summary>
    [KernelTheory]
    [InlineData(64)]
    [InlineData(16)]
    public void A_sample_of_64_KiB_or_more_is_reported_counted_and_skipped_and_later_samples_arrive(int pageCount)
    {
        using var map = PerfEventArray();
        using var big = KernelObjects.Array(70_004, "big");
        var pattern = new byte[70_004];
        pattern.AsSpan().Fill(0xAB);
        big.Update(new byte[4], pattern);
        using var buffer = new PerfBuffer(map, new PerfBufferOptions { PageCount = pageCount });
        using var normal = Producers.PerfOutput(map, 32);
        using var oversized = Producers.PerfOutputMapValue(map, big);
        var cpu = buffer.Cpus[^1];

        for (ulong i = 0; i < 3; i++)
            Assert.Equal(0, normal.RunOnCpu(cpu, i));
        Assert.Equal(0, oversized.RunOnCpu(cpu, 0));
        for (ulong i = 3; i < 6; i++)
            Assert.Equal(0, normal.RunOnCpu(cpu, i));

        var recorder = new PerfRecorder();
        var first = buffer.ConsumeCpu(cpu, ref recorder);
        foreach (var report in recorder.Reports)
            output.WriteLine(report.ToString());
        output.WriteLine(first.ToString());

        Assert.NotEmpty(recorder.Reports);
        Assert.All(recorder.Reports, c => Assert.Equal(cpu, c.Cpu));
        Assert.True(Corrupted(first) > 0);
        Assert.All(recorder.Samples, s => Assert.Equal(Expected(cpu, BinaryPrimitives.ReadUInt64LittleEndian(s.Payload)), s.Payload[..32]));
        if (pageCount == 64)
        {
            var report = Assert.Single(recorder.Reports);
            Assert.Equal(PerfCorruptionKind.OversizedSample, report.Kind);
            Assert.Equal(70_016ul, report.TrueSize);
            Assert.Equal(4_480, report.Header.Size);
            Assert.Equal(3ul * 48, report.Offset); // after three 48-byte samples
            Assert.Equal([0ul, 1, 2, 3, 4, 5], Sequence(recorder));
            Assert.Equal(1, first.OversizedSamples);
        }
        else
        {
            Assert.Empty(recorder.Samples); // everything unread was overwritten by the spill
            Assert.True(first.DroppedBytes + (ulong)first.CorruptedRecords > 0);
        }
        Assert.Equal(Corrupted(first), Corrupted(buffer.Totals));

        // Resynchronised: the next batch is read normally.
        recorder = new PerfRecorder();
        for (ulong i = 10; i < 13; i++)
            Assert.Equal(0, normal.RunOnCpu(cpu, i));
        var later = buffer.ConsumeCpu(cpu, ref recorder);
        Assert.Equal(3, later.Samples);
        Assert.Empty(recorder.Reports);
        Assert.Equal([10ul, 11, 12], Sequence(recorder));
        Assert.All(recorder.Samples, s => Assert.Equal(Expected(cpu, BinaryPrimitives.ReadUInt64LittleEndian(s.Payload)), s.Payload[..32]));
    }

    [KernelFact]
    public void Time_samples_carry_the_kernel_clock()
    {
        using var map = PerfEventArray();
        using var buffer = new PerfBuffer(map, new PerfBufferOptions { PageCount = 2, Layout = PerfSampleLayout.TimeAndRaw });
        using var producer = Producers.PerfOutput(map, 16);
        var cpu = buffer.Cpus[0];
        for (ulong i = 0; i < 5; i++)
            producer.RunOnCpu(cpu, i);
        var recorder = new PerfRecorder();
        Assert.Equal(5, buffer.ConsumeAll(ref recorder).Samples);
        Assert.All(recorder.Samples, s => Assert.NotEqual(0ul, s.Time));
        Assert.Equal(recorder.Samples.Select(s => s.Time).Order(), recorder.Samples.Select(s => s.Time));
    }

    [KernelFact]
    public void Pause_stops_the_output_and_resume_starts_it_again()
    {
        using var map = PerfEventArray();
        using var buffer = new PerfBuffer(map, new PerfBufferOptions { PageCount = 1 });
        using var producer = Producers.PerfOutput(map, 16);
        var cpu = buffer.Cpus[0];
        buffer.Pause();
        Assert.NotEqual(0, producer.RunOnCpu(cpu, 1));
        var recorder = new PerfRecorder();
        Assert.Equal(0, buffer.ConsumeAll(ref recorder).Samples);
        buffer.Resume();
        Assert.Equal(0, producer.RunOnCpu(cpu, 2));
        Assert.Equal(1, buffer.ConsumeAll(ref recorder).Samples);
        Assert.Equal([2ul], Sequence(recorder));
    }

    [KernelFact]
    public void A_waiting_poll_wakes_on_a_sample_from_another_cpu_and_a_watermark_holds_wakeups_back()
    {
        using var map = PerfEventArray();
        using var buffer = new PerfBuffer(map, new PerfBufferOptions { PageCount = 1 });
        using var producer = Producers.PerfOutput(map, 16);
        var cpu = buffer.Cpus[^1];
        var recorder = new PerfRecorder();
        buffer.ConsumeAll(ref recorder);

        var poll = new BlockingCall<PerfRecorder>(() =>
        {
            var mine = new PerfRecorder();
            buffer.Poll(ref mine, -1);
            return mine;
        });
        poll.WaitUntilBlockedInEpollAsync().GetAwaiter().GetResult(); // nothing to read: it sleeps
        Assert.Equal(0, producer.RunOnCpu(cpu, 77));
        Assert.True(poll.Completion.Wait(Patience));
        Assert.Equal((cpu, 77ul), poll.Completion.Result.Samples.Select(s => (s.Cpu, BinaryPrimitives.ReadUInt64LittleEndian(s.Payload))).Single());

        using var watermarkMap = PerfEventArray();
        using var watermarked = new PerfBuffer(watermarkMap, new PerfBufferOptions { PageCount = 1, WakeupWatermark = 1024 });
        using var watermarkProducer = Producers.PerfOutput(watermarkMap, 16);
        watermarked.ConsumeAll(ref recorder);
        for (ulong i = 0; i < 3; i++)
            watermarkProducer.RunOnCpu(cpu, i); // 96 bytes: under the watermark
        Assert.False(watermarked.Wait(100));
        for (ulong i = 3; i < 40; i++)
            watermarkProducer.RunOnCpu(cpu, i); // 1,280 bytes: over it
        Assert.True(watermarked.Wait(5000));
        Assert.Equal(40, watermarked.ConsumeReady(ref recorder).Samples);
    }

    [KernelFact]
    public async Task The_async_stream_yields_every_cpus_samples_and_disposal_ends_a_wait()
    {
        using var map = PerfEventArray();
        var buffer = new PerfBuffer(map, new PerfBufferOptions { PageCount = 4 });
        using var producer = Producers.PerfOutput(map, 24);
        using var cancel = new CancellationTokenSource(Patience);
        var produce = Task.Run(async () =>
        {
            for (ulong i = 0; i < 300; i++)
            {
                foreach (var cpu in buffer.Cpus)
                    Assert.Equal(0, producer.RunOnCpu(cpu, Seq(cpu, i)));
                if (i % 100 == 0)
                    await Task.Delay(20);
            }
        });
        var perCpu = buffer.Cpus.ToDictionary(c => c, _ => new List<ulong>());
        var total = 0;
        await foreach (var sample in buffer.ReadAllAsync<Sample>(cancellationToken: cancel.Token))
        {
            perCpu[(int)sample.Cpu].Add(sample.Seq);
            if (++total == 300 * buffer.Cpus.Count)
                break;
        }
        await produce;
        foreach (var (cpu, seqs) in perCpu)
            Assert.Equal(Enumerable.Range(0, 300).Select(i => Seq(cpu, (ulong)i)), seqs);

        var rest = new PerfRecorder();
        Assert.Equal(0, buffer.ConsumeAll(ref rest).Samples);
        while (buffer.Wait(0)) // wakeups epoll still holds from the stream's samples: a wait may be woken spuriously
            Assert.Equal(0, buffer.ConsumeReady(ref rest).Samples);
        var pending = buffer.WaitAsync().AsTask();
        await Task.Delay(50);
        Assert.False(pending.IsCompleted);
        buffer.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pending.WaitAsync(Patience));
        Assert.Equal(-ENOENT, producer.RunOnCpu(buffer.Cpus[0], 0)); // the map slots were deleted
    }

    [KernelFact]
    public void Dispose_on_another_thread_unmaps_only_when_the_read_in_progress_ends()
    {
        using var map = PerfEventArray();
        var buffer = new PerfBuffer(map, new PerfBufferOptions { PageCount = 1 });
        using var producer = Producers.PerfOutput(map, 32);
        foreach (var cpu in buffer.Cpus)
        {
            for (ulong i = 0; i < 4; i++)
                Assert.Equal(0, producer.RunOnCpu(cpu, Seq(cpu, i)));
        }

        using var inHandler = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var seen = new List<ulong>();
        var read = Task.Run(() => buffer.ConsumeAll((_, payload) =>
        {
            if (seen.Count == 0)
            {
                inHandler.Set();
                release.Wait();
            }
            seen.Add(BinaryPrimitives.ReadUInt64LittleEndian(payload)); // reads every ring's mapping after Dispose returned
        }));
        Assert.True(inHandler.Wait(Patience));
        buffer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => buffer.ConsumeAll((_, _) => { }));
        Assert.False(buffer.Unmapped);
        release.Set();
        Assert.Equal(4L * buffer.Cpus.Count, read.Wait(Patience) ? read.Result.Samples : -1);
        Assert.True(buffer.Unmapped); // by the read, as it ended
        Assert.Equal(buffer.Cpus.SelectMany(cpu => Enumerable.Range(0, 4).Select(i => Seq(cpu, (ulong)i))).Order(), seen.Order());
    }

    [KernelFact]
    public void Options_that_break_the_kernels_rules_are_refused_with_the_rule()
    {
        using var map = PerfEventArray();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new PerfBuffer(map, new PerfBufferOptions { PageCount = 3 }));
        Assert.Contains("power of two", e.Message);
        Assert.Contains("(1 + 2^n) pages", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new PerfBuffer(map, new PerfBufferOptions { PageCount = 1, WakeupWatermark = 1 << 20 }));
        Assert.Contains("WakeupWatermark", e.Message);
        using var ring = RingBuffer(4096);
        Assert.Contains("PERF_EVENT_ARRAY", Assert.Throws<ArgumentException>(() => new PerfBuffer(ring)).Message);

        var highest = KernelInfo.OnlineCpus()[^1];
        if (highest > 0)
        {
            using var small = PerfEventArray("small", (uint)highest);
            var slots = Assert.Throws<ArgumentException>(() => new PerfBuffer(small));
            Assert.Contains($"CPU {highest} is online", slots.Message);
        }
    }

    [KernelFact]
    public void Opens_from_a_descriptor_and_from_a_pin()
    {
        using var map = PerfEventArray();
        using var producer = Producers.PerfOutput(map, 16);
        using (var byFd = new PerfBuffer(map.Handle, new PerfBufferOptions { PageCount = 1 }))
        {
            Assert.Equal(0, producer.RunOnCpu(byFd.Cpus[0], 5));
            var recorder = new PerfRecorder();
            Assert.Equal(1, byFd.ConsumeAll(ref recorder).Samples);
        }
        using var pins = new BpfFsDirectory();
        map.Pin(pins["perf"]);
        using var pinned = PerfBuffer.OpenPinned(pins["perf"], new PerfBufferOptions { PageCount = 1 });
        Assert.Equal(0, producer.RunOnCpu(pinned.Cpus[0], 6));
        var count = 0;
        Assert.Equal(1, pinned.ConsumeAll((_, _) => count++).Samples);
    }

    /// <summary>What the buffer counts as corrupted records: oversized, spilt over, and one per dropped batch.</summary>
    private static long Corrupted(PerfReadResult r) => r.OversizedSamples + r.CorruptedRecords + r.PositionErrors + (r.DroppedBytes != 0 ? 1 : 0);

    /// <summary>The u64 sequence number at the start of each sample.</summary>
    private static IEnumerable<ulong> Sequence(PerfRecorder recorder) => recorder.Samples.Select(s => BinaryPrimitives.ReadUInt64LittleEndian(s.Payload));

    private static ulong Seq(int cpu, ulong i) => ((ulong)cpu << 32) | i;

    /// <summary>What PerfOutput writes: seq, cpu, then <see cref="Producers.PerfFill"/>.</summary>
    private static byte[] Expected(int cpu, ulong seq, int size = 32)
    {
        var bytes = new byte[size];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, seq);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), (ulong)cpu);
        for (var at = 16; at < size; at += 8)
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(at), Producers.PerfFill);
        return bytes;
    }

    private readonly record struct Sample(ulong Seq, ulong Cpu, ulong Fill);
}
