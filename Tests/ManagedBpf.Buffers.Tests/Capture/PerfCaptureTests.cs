using System.Buffers.Binary;
using System.Text.Json;
using ManagedBpf.Buffers.Capture;
using ManagedBpf.Buffers.Perf;
using ManagedBpf.Buffers.Tests.Support;
using ManagedBpf.Kernel;
using ManagedBpf.Maps;
using ManagedBpf.TestSupport;
using static ManagedBpf.Buffers.Tests.Support.KernelObjects;

namespace ManagedBpf.Buffers.Tests.Capture;

/// <summary>
/// The files of a captured perf ring in <c>fixtures/captures/</c>: <c>NAME.perf.bin</c> holds the data area,
/// <c>NAME.perf.json</c> the manifest: the metadata fields and what the producer did, in ring order:
/// <c>sample:HEX</c> (the first 32 bytes the program wrote), <c>lost:N</c>, <c>oversized:TRUE_SIZE</c>.
/// </summary>
internal sealed record PerfManifest(string Scenario, string Description, int Cpu, ulong DataHead, ulong DataTail, ulong DataOffset, ulong DataSize,
    string[] Events)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    internal static IEnumerable<string> All() => Directory.EnumerateFiles(RingManifest.Directory, "*.perf.json").Order();

    internal static (PerfManifest Manifest, PerfSnapshot Snapshot) Load(string path)
    {
        var manifest = JsonSerializer.Deserialize<PerfManifest>(File.ReadAllText(path)) ?? throw new InvalidDataException(path);
        var data = File.ReadAllBytes(path[..^".json".Length] + ".bin");
        var snapshot = new PerfSnapshot(manifest.Cpu, manifest.DataHead, manifest.DataTail, manifest.DataOffset, data);
        Assert.Equal(manifest.DataSize, snapshot.DataSize);
        return (manifest, snapshot);
    }

    internal void Save(PerfSnapshot snapshot)
    {
        var path = Path.Combine(RingManifest.Directory, Scenario + ".perf.json");
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
        File.WriteAllBytes(path[..^".json".Length] + ".bin", [.. snapshot.Data]);
    }
}

/// <summary>Perf ring memory captured from the kernel (with <c>MANAGEDBPF_RECAPTURE=1</c>) and replayed without it.</summary>
public sealed class PerfCaptureTests
{
    private static readonly string[] Scenarios = ["perf-lost", "perf-wrap", "perf-oversize"];

    [KernelFact]
    public void Perf_captures_exist_and_parse_and_are_rewritten_on_demand()
    {
        if (Environment.GetEnvironmentVariable("MANAGEDBPF_RECAPTURE") == "1")
        {
            Capture("perf-lost", "a one-page ring filled until outputs failed, read, then three more samples: a LOST record precedes them", 1, Lost);
            Capture("perf-wrap", "200-byte samples on a one-page ring after a read, so bodies wrap past the end of the data area", 1, Wrap);
            Capture("perf-oversize", "three samples, a 70,004-byte sample (header.size truncated to 4,480), three samples, on a 128 KiB ring", 32, Oversize);
        }

        foreach (var name in Scenarios)
            Assert.Equal(name, PerfManifest.Load(Path.Combine(RingManifest.Directory, name + ".perf.json")).Manifest.Scenario);
    }

    [Fact]
    public void Every_captured_perf_ring_replays_to_its_manifest()
    {
        var files = PerfManifest.All().ToList();
        Assert.Equal(Scenarios.Length, files.Count);
        foreach (var file in files)
        {
            var (manifest, snapshot) = PerfManifest.Load(file);
            using var replay = snapshot.Replay();
            var recorder = new PerfRecorder();
            PerfConsumer.Read(replay.View, manifest.Cpu, PerfSampleLayout.Raw, ref recorder);
            Assert.Equal(manifest.Events, Describe(recorder));
            Assert.Equal(manifest.DataHead, replay.View.LoadDataTail());
        }
    }

    [Fact]
    public void The_simulator_writes_the_same_memory_as_the_kernel_for_the_wrap_sequence()
    {
        var (manifest, snapshot) = PerfManifest.Load(Path.Combine(RingManifest.Directory, "perf-wrap.perf.json"));
        using var sim = new Simulation.PerfBufferSimulator(manifest.DataSize, PerfSampleLayout.Raw, manifest.Cpu);
        ulong seq = 0;
        var positions = new List<ulong>();
        for (var i = 0; i < 22; i++)
        {
            if (i == 10)
            {
                var recorder = new PerfRecorder();
                PerfConsumer.Read(sim.View, manifest.Cpu, PerfSampleLayout.Raw, ref recorder);
            }

            Assert.True(sim.TryOutput(Payload(manifest.Cpu, seq++, 200), out var record));
            positions.Add(record.Position);
        }

        var simulated = PerfSnapshot.Capture(sim.View, manifest.Cpu);
        Assert.Equal((snapshot.DataHead, snapshot.DataTail, snapshot.DataSize), (simulated.DataHead, simulated.DataTail, simulated.DataSize));
        // The one field that legitimately differs: header.misc, PERF_RECORD_MISC_KERNEL (1) from the kernel, 0 from the
        // simulator. Masked at every header position; type, size, raw size, payloads and the 4 pad bytes per sample
        // (skipped, not written, by both) must be the same.
        byte[] kernel = [.. snapshot.Data], model = [.. simulated.Data];
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(kernel.AsSpan((int)(positions[^1] & (snapshot.DataSize - 1)) + 4)));
        foreach (var at in positions.Select(p => (int)(p & (snapshot.DataSize - 1))))
            kernel[at + 4] = kernel[at + 5] = model[at + 4] = model[at + 5] = 0;

        Assert.Equal(kernel, model);
    }

    private static byte[] Payload(int cpu, ulong seq, int size)
    {
        var b = new byte[size];
        BinaryPrimitives.WriteUInt64LittleEndian(b, seq);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8), (ulong)cpu);
        for (var at = 16; at < size; at += 8)
            BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(at), Producers.PerfFill);
        return b;
    }

    private static List<string> Describe(PerfRecorder recorder) => [.. recorder.Events.Select(e => e switch
    {
        SampleEvent s => "sample:" + Convert.ToHexString(s.Payload.AsSpan(0, 32)),
        LostEvent l => $"lost:{l.Lost}",
        CorruptionEvent c when c.Report.Kind == PerfCorruptionKind.OversizedSample => $"oversized:{c.Report.TrueSize}",
        CorruptionEvent c => "corruption:" + c.Report.Kind,
        _ => "?",
    })];

    private static void Capture(string name, string description, int pages, Func<Map, PerfRingCapture, int, List<string>> produce)
    {
        using var map = PerfEventArray("pcap");
        var cpu = KernelInfo.OnlineCpus()[0];
        using var capture = new PerfRingCapture(map, cpu, new PerfBufferOptions { PageCount = pages });
        var events = produce(map, capture, cpu);
        var snapshot = capture.Snapshot();
        new PerfManifest(name, description, cpu, snapshot.DataHead, snapshot.DataTail, snapshot.DataOffset, snapshot.DataSize, [.. events]).Save(snapshot);
    }

    private static string Sample(int cpu, ulong seq)
    {
        var b = new byte[32];
        BinaryPrimitives.WriteUInt64LittleEndian(b, seq);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8), (ulong)cpu);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(16), Producers.PerfFill);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(24), Producers.PerfFill);
        return "sample:" + Convert.ToHexString(b);
    }

    private static List<string> Lost(Map map, PerfRingCapture capture, int cpu)
    {
        using var producer = Producers.PerfOutput(map, 200);
        ulong seq = 0;
        var failed = 0;
        for (var i = 0; i < 25; i++)
        {
            if (producer.RunOnCpu(cpu, seq++) != 0)
                failed++;
        }

        Assert.NotEqual(0, failed);
        var recorder = new PerfRecorder();
        capture.Read(ref recorder);
        var events = new List<string> { $"lost:{failed}" };
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, producer.RunOnCpu(cpu, seq));
            events.Add(Sample(cpu, seq++));
        }

        return events;
    }

    private static List<string> Wrap(Map map, PerfRingCapture capture, int cpu)
    {
        using var producer = Producers.PerfOutput(map, 200);
        ulong seq = 0;
        for (var i = 0; i < 10; i++)
            Assert.Equal(0, producer.RunOnCpu(cpu, seq++));
        var recorder = new PerfRecorder();
        capture.Read(ref recorder);
        var events = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            Assert.Equal(0, producer.RunOnCpu(cpu, seq));
            events.Add(Sample(cpu, seq++));
        }

        return events;
    }

    private static List<string> Oversize(Map map, PerfRingCapture capture, int cpu)
    {
        using var big = KernelObjects.Array(70_004, "capbig");
        var pattern = new byte[70_004];
        pattern.AsSpan().Fill(0xAB);
        big.Update(new byte[4], pattern);
        using var normal = Producers.PerfOutput(map, 32);
        using var oversized = Producers.PerfOutputMapValue(map, big);
        var events = new List<string>();
        for (ulong i = 0; i < 3; i++)
        {
            Assert.Equal(0, normal.RunOnCpu(cpu, i));
            events.Add(Sample(cpu, i));
        }

        Assert.Equal(0, oversized.RunOnCpu(cpu, 0));
        events.Add("oversized:70016");
        for (ulong i = 3; i < 6; i++)
        {
            Assert.Equal(0, normal.RunOnCpu(cpu, i));
            events.Add(Sample(cpu, i));
        }

        return events;
    }
}
