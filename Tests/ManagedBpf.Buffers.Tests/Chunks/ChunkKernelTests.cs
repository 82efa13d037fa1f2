using ManagedBpf.Buffers.Chunks;
using ManagedBpf.Buffers.Ring;
using ManagedBpf.Loader;
using ManagedBpf.Maps;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Buffers.Tests.Chunks;

/// <summary>
/// Chunked messages produced in the kernel by <c>fixtures/obj/chunk_producer.bpf.o</c>, which uses
/// <c>mbpf_chunk_output</c> of <c>fixtures/include/managedbpf_chunks.h</c>, and rebuilt by <see cref="ChunkReassembler"/>.
/// </summary>
public sealed class ChunkKernelTests
{
    [KernelFact]
    public void A_chunked_message_produced_in_the_kernel_comes_back_equal()
    {
        const int size = (5 * ChunkHeader.MaxData) + 1234;
        using var fixture = new Fixture(256 * 1024, 42, size);
        var ring = fixture.Ring;
        var delivered = new List<(ulong Id, byte[] Bytes)>();
        using var reassembler = new ChunkReassembler((id, m) => delivered.Add((id, m.ToArray())));
        using var reader = new RingBuffer(ring);
        Assert.Equal(6, reader.Consume(record => Assert.True(reassembler.Add(record))).Records);
        var (id, bytes) = Assert.Single(delivered);
        Assert.Equal(42ul, id);
        Assert.Equal(fixture.Message, bytes);
        Assert.Equal(0ul, ChunkDropCounter.Read(fixture.Drops));
    }

    [KernelFact]
    public void A_ring_too_small_drops_chunks_the_reassembler_reports_them_and_the_counter_agrees()
    {
        const int size = 7 * ChunkHeader.MaxData; // 7 chunks of 4,104 bytes; a 16 KiB ring takes 3
        using var fixture = new Fixture(16 * 1024, 7, size);
        var ring = fixture.Ring;
        var reports = new List<IncompleteMessage>();
        using var reassembler = new ChunkReassembler((_, _) => Assert.Fail("an incomplete message was delivered"), reports.Add);
        using var reader = new RingBuffer(ring);
        Assert.Equal(3, reader.Consume(record => Assert.True(reassembler.Add(record))).Records);
        reassembler.EvictAll();
        var report = Assert.Single(reports);
        Assert.Equal(7ul, report.MessageId);
        Assert.Equal(7, report.Count);
        Assert.Equal([3, 4, 5, 6], report.MissingIndices);
        Assert.Equal((ulong)report.MissingIndices.Count, ChunkDropCounter.Read(fixture.Drops));
        Assert.Equal(4ul, Assert.Single(ChunkDropCounter.ReadPerCpu(fixture.Drops), v => v != 0)); // one CPU ran it
    }

    /// <summary>The fixture object loaded with the message in its payload map, and run once.</summary>
    private sealed class Fixture : IDisposable
    {
        private readonly Collection _collection;

        public Fixture(uint ringSize, ulong id, int size)
        {
            Message = ChunkModel.Message(id, size);
            var spec = ObjectSpec.Open(Path.Combine(AppContext.BaseDirectory, "fixtures", "obj", "chunk_producer.bpf.o"));
            spec.Variable("message_size").Set((uint)size);
            spec.Variable("message_id").Set(id);
            var ring = spec.Map("chunk_ring");
            ring.Spec = ring.Spec with { MaxEntries = ringSize };
            _collection = spec.Load();
            var payload = _collection.Map("chunk_payload");
            var value = new byte[payload.ValueSize];
            Message.CopyTo(value, 0);
            payload.Update(new byte[4], value);
            Assert.Equal(0u, _collection.Program("produce_chunks").TestRun(contextIn: new byte[8]).ReturnValue);
        }

        public byte[] Message { get; }

        public Map Ring => _collection.Map("chunk_ring");

        public Map Drops => _collection.Map("chunk_drops");

        public void Dispose() => _collection.Dispose();
    }
}
