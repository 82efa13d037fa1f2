using FsCheck;
using FsCheck.Fluent;
using ManagedBpf.Buffers.Chunks;
using ManagedBpf.Buffers.Ring;
using ManagedBpf.Buffers.Simulation;
using ManagedBpf.Buffers.Tests.Properties;
using ManagedBpf.Buffers.Tests.Support;

namespace ManagedBpf.Buffers.Tests.Chunks;

/// <summary>The chunk reassembler over the header's behaviour modelled on a simulated ring, and over shuffled chunks.</summary>
public sealed class ChunkReassemblerTests
{
    public const int Cases = 1_000;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(ChunkHeader.MaxData)]
    [InlineData(ChunkHeader.MaxData + 1)]
    [InlineData(70_000)]
    [InlineData(ChunkHeader.MaxChunks * ChunkHeader.MaxData)]
    public void Messages_split_into_a_ring_come_back_whole(int size)
    {
        using var ring = new RingBufferSimulator(256 * 1024);
        var message = ChunkModel.Message(9, size);
        Assert.Empty(ChunkModel.Emit(ring, 9, message));
        var delivered = new List<(ulong Id, byte[] Bytes)>();
        using var reassembler = new ChunkReassembler((id, m) => delivered.Add((id, m.ToArray())));
        RingConsumer.Consume(ring.View, record => Assert.True(reassembler.Add(record)));
        var (id, bytes) = Assert.Single(delivered);
        Assert.Equal(9ul, id);
        Assert.Equal(message, bytes);
        Assert.Equal(0, reassembler.InFlight);
    }

    [Fact]
    public void A_ring_too_small_drops_chunks_and_the_message_is_reported_with_them()
    {
        using var ring = new RingBufferSimulator(16 * 1024); // room for three 4,104-byte records
        var failed = ChunkModel.Emit(ring, 5, ChunkModel.Message(5, 6 * ChunkHeader.MaxData));
        Assert.Equal([3, 4, 5], failed);
        var reports = new List<IncompleteMessage>();
        using var reassembler = new ChunkReassembler((_, _) => Assert.Fail("incomplete message delivered"), reports.Add);
        RingConsumer.Consume(ring.View, record => reassembler.Add(record));
        Assert.Equal(1, reassembler.InFlight);
        Assert.Equal(1, reassembler.EvictAll());
        var report = Assert.Single(reports);
        Assert.Equal((5ul, 6, EvictionReason.Flushed), (report.MessageId, report.Count, report.Reason));
        Assert.Equal(failed, report.MissingIndices);
        Assert.Equal(3, reassembler.MissingChunks);
    }

    [Fact]
    public void Stale_and_excess_messages_are_evicted_and_bad_records_counted()
    {
        var reports = new List<IncompleteMessage>();
        var done = new List<ulong>();
        using var reassembler = new ChunkReassembler((id, _) => done.Add(id), reports.Add,
            new ChunkReassemblerOptions { MaxMessagesInFlight = 2, MaxIdleChunks = 3, MaxMessageSize = 3 * ChunkHeader.MaxData });
        var a = ChunkModel.Split(1, new byte[2 * ChunkHeader.MaxData]);
        var b = ChunkModel.Split(2, new byte[2 * ChunkHeader.MaxData]);
        var c = ChunkModel.Split(3, new byte[2 * ChunkHeader.MaxData]);
        Assert.True(reassembler.Add(a[0]));
        Assert.True(reassembler.Add(b[0]));
        Assert.True(reassembler.Add(c[0])); // a third in flight: the oldest (1) goes
        Assert.Equal((1ul, EvictionReason.Capacity), (reports[0].MessageId, reports[0].Reason));
        Assert.Equal([1], reports[0].MissingIndices);
        Assert.False(reassembler.Add(c[0])); // duplicate
        Assert.Equal(1, reassembler.DuplicateChunks);
        Assert.True(reassembler.Add(c[1]));
        Assert.Equal([3ul], done);
        Assert.False(reassembler.Add(new byte[10]));
        Assert.False(reassembler.Add(ChunkModel.Split(4, new byte[4 * ChunkHeader.MaxData])[0])); // above MaxMessageSize
        Assert.Equal((1, 1), (reassembler.MalformedChunks, reassembler.OversizedChunks));
        // Message 2 saw its last chunk at chunk 2; three more valid chunks pass: 3 = not yet, 4 = stale.
        var d = ChunkModel.Split(5, new byte[10]);
        Assert.True(reassembler.Add(d[0]));
        Assert.True(reassembler.Add(d[0]));
        Assert.Equal((2ul, EvictionReason.Stale), (reports[^1].MessageId, reports[^1].Reason));
        Assert.Equal(0, reassembler.InFlight);
    }

    [Fact]
    public void A_message_goes_stale_exactly_when_its_last_chunk_is_more_than_the_idle_limit_ago()
    {
        var reports = new List<IncompleteMessage>();
        using var reassembler = new ChunkReassembler((_, _) => { }, reports.Add, new ChunkReassemblerOptions { MaxIdleChunks = 3 });
        var a = ChunkModel.Split(1, new byte[3 * ChunkHeader.MaxData]);
        var b = ChunkModel.Split(2, new byte[3 * ChunkHeader.MaxData]);
        var x = ChunkModel.Split(3, new byte[10])[0]; // complete on its own: only moves the chunk count on
        Assert.True(reassembler.Add(a[0])); // chunk 1: a seen
        Assert.True(reassembler.Add(b[0])); // chunk 2: b seen
        Assert.True(reassembler.Add(a[1])); // chunk 3: a seen again, so a is younger than b
        Assert.True(reassembler.Add(x)); // 4
        Assert.True(reassembler.Add(x)); // 5: b idle 3 chunks, a 2: neither stale
        Assert.Empty(reports);
        Assert.True(reassembler.Add(x)); // 6: b idle 4
        var stale = Assert.Single(reports);
        Assert.Equal((2ul, EvictionReason.Stale), (stale.MessageId, stale.Reason));
        Assert.Equal(1, reassembler.InFlight);
        Assert.True(reassembler.Add(x)); // 7: a idle 4
        Assert.Equal(2, reports.Count);
        Assert.Equal((1ul, EvictionReason.Stale), (reports[1].MessageId, reports[1].Reason));
        Assert.Equal([2], reports[1].MissingIndices);
        Assert.Equal(0, reassembler.InFlight);
    }

    [Fact]
    public void Complete_one_chunk_messages_allocate_nothing()
    {
        var record = ChunkModel.Split(1, new byte[100])[0];
        long sum = 0;
        using var reassembler = new ChunkReassembler((_, m) => sum += m.Length);
        reassembler.Add(record);
        Assert.Equal(0, SteadyAllocation.Measure(() =>
        {
            for (var i = 0; i < 1000; i++)
                reassembler.Add(record);
        }));
    }

    [Fact]
    public void Complete_multi_chunk_messages_allocate_nothing_in_steady_state()
    {
        var records = ChunkModel.Split(1, new byte[(2 * ChunkHeader.MaxData) + 10]);
        long sum = 0;
        using var reassembler = new ChunkReassembler((_, m) => sum += m.Length);
        void Round()
        {
            // out of order: last, first, middle
            reassembler.Add(records[2]);
            reassembler.Add(records[0]);
            reassembler.Add(records[1]);
        }

        for (var i = 0; i < 10; i++)
            Round();
        var attempts = 0;
        Assert.Equal(0, SteadyAllocation.Measure(() =>
        {
            attempts++;
            for (var i = 0; i < 1000; i++)
                Round();
        }));
        Assert.Equal(10 + (1000 * attempts), reassembler.CompletedMessages);
    }

    [Fact]
    public void The_bpf_header_and_the_reader_agree_on_the_layout()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "ManagedBpf.sln")))
            dir = dir.Parent;
        var header = File.ReadAllLines(Path.Combine(dir.FullName, "fixtures", "include", "managedbpf_chunks.h"));
        int Define(string name) => int.Parse(header.Single(l => l.StartsWith($"#define {name} ", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[2], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(ChunkHeader.MaxRecordSize, Define("MBPF_CHUNK_RECORD_SIZE"));
        Assert.Equal(ChunkHeader.Size, Define("MBPF_CHUNK_HDR_SIZE"));
        Assert.Equal(ChunkHeader.MaxChunks, Define("MBPF_CHUNK_MAX_CHUNKS"));
        Assert.True(File.Exists(Path.Combine(dir.FullName, "fixtures", "obj", "chunk_producer.bpf.o")));
    }

    public sealed record Scenario(int[] Sizes, int[] Order, bool[] Drop)
    {
        public override string ToString() => $"sizes [{string.Join(",", Sizes)}], order [{string.Join(",", Order)}], drop [{string.Join(",", Drop.Select(d => d ? 1 : 0))}]";
    }

    [Fact]
    public void Shuffled_chunks_rebuild_every_complete_message_and_report_exactly_the_missing_chunks()
    {
        var scenarios =
            from n in Gen.Choose(1, 6)
            from sizes in Gen.ArrayOf(Gen.OneOf(Gen.Choose(0, 100), Gen.Choose(0, 6 * ChunkHeader.MaxData)), n)
            let total = sizes.Sum(s => s == 0 ? 1 : (s + ChunkHeader.MaxData - 1) / ChunkHeader.MaxData)
            from keys in Gen.ArrayOf(Gen.Choose(0, 1_000_000), total)
            from drop in Gen.ArrayOf(Gen.Frequency((1, Gen.Constant(true)), (6, Gen.Constant(false))), total)
            select new Scenario(sizes, Enumerable.Range(0, total).OrderBy(i => keys[i]).ToArray(), drop);
        PropertyRuns.Check(Cases, scenarios, _ => [], Run);
    }

    private static void Run(Scenario s)
    {
        var all = new List<(ulong Id, int Index, byte[] Record)>();
        var messages = new Dictionary<ulong, byte[]>();
        for (var m = 0; m < s.Sizes.Length; m++)
        {
            var id = (ulong)m + 100;
            messages[id] = ChunkModel.Message(id, s.Sizes[m]);
            all.AddRange(ChunkModel.Split(id, messages[id]).Select((r, i) => (id, i, r)));
        }

        var delivered = new Dictionary<ulong, byte[]>();
        var reports = new List<IncompleteMessage>();
        using var reassembler = new ChunkReassembler((id, m) => delivered.Add(id, m.ToArray()), reports.Add);
        foreach (var k in s.Order)
        {
            if (!s.Drop[k])
                Assert.True(reassembler.Add(all[k].Record));
        }

        reassembler.EvictAll();
        foreach (var (id, bytes) in messages)
        {
            var missing = Enumerable.Range(0, all.Count).Where(k => all[k].Id == id && s.Drop[k]).Select(k => all[k].Index).ToList();
            var seen = Enumerable.Range(0, all.Count).Any(k => all[k].Id == id && !s.Drop[k]);
            if (missing.Count == 0)
                Assert.Equal(bytes, delivered[id]);
            else if (seen)
                Assert.Equal(missing, reports.Single(r => r.MessageId == id).MissingIndices);
            else
                Assert.DoesNotContain(reports, r => r.MessageId == id); // nothing of it arrived: nothing to report
        }

        Assert.Equal(s.Drop.Count(d => d), reassembler.MissingChunks + all.Where((c, k) => s.Drop[k] && !Enumerable.Range(0, all.Count).Any(j => all[j].Id == c.Id && !s.Drop[j])).Count());
    }
}
