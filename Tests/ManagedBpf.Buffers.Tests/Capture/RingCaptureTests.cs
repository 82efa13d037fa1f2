using System.Buffers.Binary;
using ManagedBpf.Buffers.Capture;
using ManagedBpf.Buffers.Ring;
using ManagedBpf.Buffers.Simulation;
using ManagedBpf.Buffers.Tests.Support;
using ManagedBpf.Maps;
using ManagedBpf.TestSupport;
using static ManagedBpf.Buffers.Tests.Support.KernelObjects;

namespace ManagedBpf.Buffers.Tests.Capture;

/// <summary>
/// Ring buffer memory captured from the kernel into <c>fixtures/captures/</c>, replayed by the consumer without a
/// kernel, and compared with the simulator's memory for the same sequence. The capture runs only with
/// <c>MANAGEDBPF_RECAPTURE=1</c> (it rewrites the committed files); otherwise the committed files are checked.
/// </summary>
public sealed class RingCaptureTests
{
    private static readonly string[] Scenarios = ["ring-empty", "ring-simple", "ring-wrap", "ring-discards", "ring-full"];

    private static bool Recapture => Environment.GetEnvironmentVariable("MANAGEDBPF_RECAPTURE") == "1";

    [KernelFact]
    public void Captures_exist_and_parse_and_are_rewritten_on_demand()
    {
        if (Recapture)
        {
            Capture("ring-empty", "a 4 KiB ring nothing was written to", _ => ([], 0, 0));
            Capture("ring-simple", "five 32-byte records from bpf_ringbuf_output", Simple);
            Capture("ring-wrap", "136-byte records after the consumer moved on, so one record wraps past the end of the data", Wrap);
            Capture("ring-discards", "three pairs: A reserved, B reserved and submitted, then A discarded while B was committed", Discards);
            Capture("ring-full", "256-byte records until reservations fail (the kernel keeps no count: the test does)", Full);
        }

        foreach (var name in Scenarios)
        {
            var (manifest, snapshot) = RingManifest.Load(Path.Combine(RingManifest.Directory, name + ".json"));
            Assert.Equal(name, manifest.Scenario);
            Assert.Equal(manifest.ProducerPosition, snapshot.ProducerPosition);
        }
    }

    [Fact]
    public void Every_captured_ring_replays_to_its_manifest()
    {
        var files = RingManifest.All().ToList();
        Assert.Equal(Scenarios.Length, files.Count);
        foreach (var file in files)
        {
            var (manifest, snapshot) = RingManifest.Load(file);
            using var replay = snapshot.Replay();
            var records = new List<string>();
            var result = RingConsumer.Consume(replay.View, payload => records.Add(Convert.ToHexString(payload)));
            Assert.Equal(manifest.Records, records);
            Assert.Equal(manifest.Discarded, result.Discarded);
            Assert.Equal(manifest.ProducerPosition, replay.View.LoadConsumerPosition());
        }
    }

    [Fact]
    public void The_simulator_writes_the_same_memory_as_the_kernel_for_the_simple_sequence()
    {
        var (manifest, snapshot) = RingManifest.Load(Path.Combine(RingManifest.Directory, "ring-simple.json"));
        using var sim = new RingBufferSimulator(manifest.Size);
        foreach (var record in manifest.Records)
            Assert.True(sim.TryOutput(Convert.FromHexString(record)));
        var simulated = RingSnapshot.Capture(sim.View);
        Assert.Equal(snapshot.ConsumerPosition, simulated.ConsumerPosition);
        Assert.Equal(snapshot.ProducerPosition, simulated.ProducerPosition);
        // Headers (len and pg_off) and payloads; the rest of the data pages is zero in both.
        Assert.Equal(snapshot.Data, simulated.Data);
    }

    private static void Capture(string name, string description, Func<Map, (List<byte[]> Records, int Discarded, int Failed)> produce)
    {
        using var map = KernelObjects.RingBuffer(4096, "cap");
        var (records, discarded, failed) = produce(map);
        var snapshot = RingSnapshot.Capture(map);
        new RingManifest(name, description, snapshot.Size, snapshot.ConsumerPosition, snapshot.ProducerPosition,
            [.. records.Select(Convert.ToHexString)], discarded, failed).Save(snapshot);
    }

    private static (List<byte[]>, int, int) Simple(Map map)
    {
        using var producer = Producers.RingOutput(map, 32);
        var records = Enumerable.Range(0, 5).Select(i => Record((ulong)i, 32)).ToList();
        foreach (var r in records)
            Assert.Equal(0, producer.Run(r));
        return (records, 0, 0);
    }

    private static (List<byte[]>, int, int) Wrap(Map map)
    {
        using var producer = Producers.RingOutput(map, 136);
        ulong seq = 0;
        for (var i = 0; i < 20; i++)
            Assert.Equal(0, producer.Run(Record(seq++, 136)));
        using (var consumer = new RingBuffer(map))
            Assert.Equal(20, consumer.Consume(_ => { }).Records);
        var records = new List<byte[]>();
        for (var i = 0; i < 12; i++)
        {
            records.Add(Record(seq++, 136));
            Assert.Equal(0, producer.Run(records[^1]));
        }

        return (records, 0, 0);
    }

    private static (List<byte[]>, int, int) Discards(Map map)
    {
        using var producer = Producers.RingReserveSubmitDiscard(map);
        var records = new List<byte[]>();
        for (ulong i = 0; i < 3; i++)
        {
            Assert.Equal(0, producer.Run(BitConverter.GetBytes(i)));
            var b = new byte[16];
            BinaryPrimitives.WriteUInt64LittleEndian(b, i);
            BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8), 0xB);
            records.Add(b);
        }

        return (records, 3, 0);
    }

    private static (List<byte[]>, int, int) Full(Map map)
    {
        using var producer = Producers.RingOutput(map, 256);
        var records = new List<byte[]>();
        var failed = 0;
        for (ulong i = 0; i < 20; i++)
        {
            var r = Record(i, 256);
            if (producer.Run(r) == 0)
                records.Add(r);
            else
                failed++;
        }

        Assert.NotEqual(0, failed);
        return (records, 0, failed);
    }
}
