using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ManagedBpf.Buffers.Perf;
using ManagedBpf.Buffers.Ring;
using ManagedBpf.Buffers.Tests.Support;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Buffers.Tests.Kernel;

/// <summary>
/// The typed faces of the readers over records of varying length from a real producer (<c>producers.bpf.o</c>, whose
/// payload size changes between runs): <c>ReadAllAsync&lt;T&gt;</c> reads short records with zeros and counts them,
/// <c>ReadAllVariableAsync</c> gives the fixed part and the exact tail, <c>ReadAllLeasedAsync</c> lends the bytes,
/// every kind of stream continues where another stopped, and <see cref="TypedRecord"/> does the same inside the
/// zero-copy handlers.
/// </summary>
public sealed class TypedStreamKernelTests
{
    /// <summary>Sizes around the structs below (40 bytes; a 16-byte header whose C tail starts at 12).</summary>
    private static readonly uint[] Sizes = [8, 11, 12, 13, 39, 40, 41, 64, 200, 1000];

    private const int TailOffset = 12;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [KernelTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_typed_stream_reads_every_length_with_zeros_for_what_a_short_record_lacks(bool viaPerf)
    {
        using var producers = new ProducerObject();
        using var reader = new Reader(producers, viaPerf);
        using var counts = new MetricCounts(viaPerf ? producers.Perf.Name : producers.Ring.Name);
        var first = producers.NextSequence;
        foreach (var size in Sizes)
            reader.Produce(size);

        var i = 0;
        await foreach (var wide in reader.ReadAllAsync<Wide>())
        {
            var size = (int)Sizes[i];
            var length = reader.DeliveredLength(size);
            var expected = ProducerObject.Payload(first + (ulong)i, size);
            var bytes = MemoryMarshal.AsBytes(new ReadOnlySpan<Wide>(in wide));
            Assert.Equal(first + (ulong)i, wide.Seq);
            Assert.Equal(expected.AsSpan(0, Math.Min(size, bytes.Length)), bytes[..Math.Min(size, bytes.Length)]);
            if (length < bytes.Length)
                Assert.True(bytes[length..].IndexOfAnyExcept((byte)0) < 0, $"a {length}-byte record read as {bytes.Length} bytes has zeros after its end");
            if (++i == Sizes.Length)
                break;
        }

        var shorter = Sizes.Count(s => reader.DeliveredLength((int)s) < Unsafe.SizeOf<Wide>());
        Assert.True(shorter >= 2);
        Assert.Equal(shorter, counts[BufferMetrics.ShortName]);
    }

    [KernelTheory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task The_variable_stream_gives_the_fixed_part_and_the_bytes_after_it(bool viaPerf, bool cOffset)
    {
        using var producers = new ProducerObject();
        using var reader = new Reader(producers, viaPerf);
        using var counts = new MetricCounts(viaPerf ? producers.Perf.Name : producers.Ring.Name);
        var first = producers.NextSequence;
        foreach (var size in Sizes)
            reader.Produce(size);
        var offset = cOffset ? TailOffset : Unsafe.SizeOf<Header>();

        var i = 0;
        await foreach (var record in cOffset ? reader.ReadAllVariableAsync<Header>(TailOffset) : reader.ReadAllVariableAsync<Header>())
        {
            var size = (int)Sizes[i];
            var expected = ProducerObject.Payload(first + (ulong)i, size);
            Assert.Equal(reader.DeliveredLength(size), record.Length);
            Assert.Equal(first + (ulong)i, record.Header.Seq);
            Assert.Equal(MemoryMarshal.Read<uint>([.. expected.AsSpan(8..Math.Max(8, Math.Min(size, 12))), 0, 0, 0, 0]), record.Header.Word); // zeros where the record ends
            Assert.Equal(Math.Max(0, record.Length - offset), record.Tail.Length);
            // The program's bytes after the fixed part; a perf sample's tail then has the kernel's padding.
            var written = Math.Max(0, size - offset);
            Assert.Equal(expected.AsSpan(Math.Min(offset, size)).ToArray(), record.Tail.Span[..written].ToArray());
            if (++i == Sizes.Length)
                break;
        }

        Assert.Equal(Sizes.Count(s => reader.DeliveredLength((int)s) < offset), counts[BufferMetrics.ShortName]);
    }

    [KernelTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Every_kind_of_stream_continues_where_another_stopped(bool viaPerf)
    {
        using var producers = new ProducerObject();
        using var reader = new Reader(producers, viaPerf);
        var first = producers.NextSequence;
        foreach (var size in Sizes)
            reader.Produce(size);

        var seen = new List<(ulong Seq, byte[] Bytes)>();
        await foreach (var wide in reader.ReadAllAsync<Wide>())
        {
            seen.Add((wide.Seq, []));
            if (seen.Count == 3)
                break;
        }
        await foreach (var record in reader.ReadAllVariableAsync<Header>(TailOffset))
        {
            seen.Add((record.Header.Seq, record.Tail.ToArray()));
            if (seen.Count == 5)
                break;
        }
        await foreach (var lent in reader.ReadAllLeasedAsync())
        {
            seen.Add((MemoryMarshal.Read<ulong>(lent.Span), lent.ToArray()));
            if (seen.Count == 8)
                break;
        }
        await foreach (var copy in reader.ReadAllAsync())
        {
            seen.Add((MemoryMarshal.Read<ulong>(copy), copy));
            if (seen.Count == Sizes.Length)
                break;
        }

        Assert.Equal(Enumerable.Range(0, Sizes.Length).Select(i => first + (ulong)i), seen.Select(s => s.Seq));
        for (var i = 3; i < Sizes.Length; i++)
        {
            var size = (int)Sizes[i];
            var whole = ProducerObject.Payload(first + (ulong)i, size);
            var expected = i < 5 ? whole[Math.Min(TailOffset, size)..] : whole;
            Assert.Equal(expected, seen[i].Bytes[..expected.Length]);
            Assert.Equal(reader.DeliveredLength(size) - (whole.Length - expected.Length), seen[i].Bytes.Length);
        }
    }

    [KernelTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_lent_record_stays_intact_until_the_stream_is_advanced(bool viaPerf)
    {
        using var producers = new ProducerObject();
        using var reader = new Reader(producers, viaPerf);
        var first = producers.NextSequence;
        const int Small = 1500, Count = 2500; // more than one batch
        reader.Produce(64, Small);

        var i = 0;
        await using var stream = reader.ReadAllLeasedAsync().GetAsyncEnumerator();
        while (i < Count && await stream.MoveNextAsync())
        {
            var lent = stream.Current;
            var size = i < Small ? 64 : 200;
            if (i == Small - 1)
                reader.Produce(200, Count - Small); // the ring is empty by now: all of it is in the stream's batches
            Assert.Equal(ProducerObject.Payload(first + (ulong)i, size), lent[..size].ToArray());
            await Task.Yield(); // work in between: nothing moves the bytes before MoveNextAsync
            Assert.Equal(first + (ulong)i, MemoryMarshal.Read<ulong>(lent.Span));
            i++;
        }
        Assert.Equal(Count, i);
    }

    [KernelTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_zero_copy_handlers_read_a_header_and_its_tail_in_place(bool viaPerf)
    {
        using var producers = new ProducerObject();
        using var reader = new Reader(producers, viaPerf);
        var first = producers.NextSequence;
        foreach (var size in Sizes)
            reader.Produce(size);

        var seen = new List<(Header Header, byte[] Tail, bool InPlace)>();
        reader.Consume(payload =>
        {
            var header = TypedRecord.Read<Header>(payload, TailOffset, out var tail);
            var inPlace = tail.IsEmpty || Unsafe.AreSame(ref MemoryMarshal.GetReference(tail), ref Unsafe.AsRef(in payload[TailOffset]));
            seen.Add((header, tail.ToArray(), inPlace));
        });

        Assert.Equal(Sizes.Length, seen.Count);
        for (var i = 0; i < Sizes.Length; i++)
        {
            var size = (int)Sizes[i];
            var expected = ProducerObject.Payload(first + (ulong)i, size);
            Assert.Equal(first + (ulong)i, seen[i].Header.Seq);
            Assert.Equal(Math.Max(0, reader.DeliveredLength(size) - TailOffset), seen[i].Tail.Length);
            Assert.Equal(expected[Math.Min(TailOffset, size)..], seen[i].Tail[..Math.Max(0, size - TailOffset)]);
            Assert.True(seen[i].InPlace, "the tail is a slice of the record, not a copy");
        }
    }

    /// <summary>
    /// Short records are counted for the ring they came from (a set of two rings, each with its own map name), and a
    /// stream cancelled through <c>WithCancellation</c> ends with <see cref="OperationCanceledException"/>, caught as
    /// the README shows.
    /// </summary>
    [KernelFact]
    public async Task Short_records_count_for_their_own_ring_and_a_cancelled_stream_ends_with_OperationCanceledException()
    {
        using var first = KernelObjects.RingBuffer(4096);
        using var second = KernelObjects.RingBuffer(4096);
        using var set = new RingBufferSet();
        set.Add(first);
        set.Add(second);
        using var eight = Producers.RingOutput(first, 8);
        using var sixteen = Producers.RingOutput(second, 16);
        using var firstCounts = new MetricCounts(first.Name);
        using var secondCounts = new MetricCounts(second.Name);
        for (ulong seq = 0; seq < 3; seq++)
        {
            Assert.Equal(0, eight.Run(KernelObjects.Record(seq, 8)));
            Assert.Equal(0, sixteen.Run(KernelObjects.Record(100 + seq, 16)));
            Assert.Equal(0, sixteen.Run(KernelObjects.Record(200 + seq, 16)));
        }

        using var cancel = new CancellationTokenSource();
        var seen = new List<ulong>();
        var ended = false;
        try
        {
            await foreach (var wide in set.ReadAllAsync<Wide>().WithCancellation(cancel.Token))
            {
                seen.Add(wide.Seq);
                if (seen.Count == 9)
                    await cancel.CancelAsync(); // the stream ends at its next MoveNextAsync
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            ended = true;
        }

        Assert.True(ended);
        Assert.Equal([0, 1, 2, 100, 200, 101, 201, 102, 202], seen); // a pass drains ring 0, then ring 1
        Assert.Equal(3, firstCounts[BufferMetrics.ShortName]);
        Assert.Equal(6, secondCounts[BufferMetrics.ShortName]);
    }

    [KernelFact]
    public void The_variable_stream_refuses_a_negative_tail_offset_when_it_is_created()
    {
        using var producers = new ProducerObject();
        using var set = new RingBufferSet();
        set.Add(producers.Ring);
        using var perf = new PerfBuffer(producers.Perf);
        Assert.Throws<ArgumentOutOfRangeException>(() => set.ReadAllVariableAsync<Header>(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => perf.ReadAllVariableAsync<Header>(-1));
    }

    /// <summary>A 40-byte struct: records of 8 to 39 bytes are shorter, records of 41 bytes and more longer.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Wide
    {
        public ulong Seq;
        public Bytes32 Rest;
    }

    [InlineArray(32)]
    private struct Bytes32
    {
        private byte _element;
    }

    /// <summary>C: <c>struct { __u64 seq; __u32 word; char tail[]; }</c>, whose tail starts at 12 while this struct is 16 bytes long.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Header
    {
        public ulong Seq;
        public uint Word;
    }

    /// <summary>The ring buffer (through a set) or the perf buffer (on one CPU) of the producers object.</summary>
    private sealed class Reader : IDisposable
    {
        private readonly ProducerObject _producers;
        private readonly RingBufferSet? _set;
        private readonly PerfBuffer? _perf;
        private readonly CancellationTokenSource _timeout = new(Patience);

        public Reader(ProducerObject producers, bool viaPerf)
        {
            _producers = producers;
            if (viaPerf)
            {
                _perf = new PerfBuffer(producers.Perf);
            }
            else
            {
                _set = new RingBufferSet();
                _set.Add(producers.Ring);
            }
        }

        public void Produce(uint size, uint count = 1)
        {
            if (_perf is not null)
                _producers.ProducePerf(_perf.Cpus[^1], size, count);
            else
                _producers.ProduceRing(size, count);
        }

        /// <summary>How long the reader's record of a <paramref name="size"/>-byte payload is (a perf sample: the padded raw size).</summary>
        public int DeliveredLength(int size) => _perf is null ? size : (int)PerfSampleLayout.PaddedRawSize((ulong)size);

        public IAsyncEnumerable<T> ReadAllAsync<T>()
            where T : unmanaged =>
            _perf?.ReadAllAsync<T>(cancellationToken: _timeout.Token) ?? _set!.ReadAllAsync<T>(_timeout.Token);

        public IAsyncEnumerable<byte[]> ReadAllAsync() =>
            _perf?.ReadAllAsync(cancellationToken: _timeout.Token) ?? _set!.ReadAllAsync(_timeout.Token);

        public IAsyncEnumerable<VariableRecord<T>> ReadAllVariableAsync<T>()
            where T : unmanaged =>
            _perf?.ReadAllVariableAsync<T>(cancellationToken: _timeout.Token) ?? _set!.ReadAllVariableAsync<T>(_timeout.Token);

        public IAsyncEnumerable<VariableRecord<T>> ReadAllVariableAsync<T>(int tailOffset)
            where T : unmanaged =>
            _perf?.ReadAllVariableAsync<T>(tailOffset, cancellationToken: _timeout.Token) ?? _set!.ReadAllVariableAsync<T>(tailOffset, _timeout.Token);

        public IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAllLeasedAsync() =>
            _perf?.ReadAllLeasedAsync(cancellationToken: _timeout.Token) ?? _set!.ReadAllLeasedAsync(_timeout.Token);

        /// <summary>Drains everything through the span callbacks (zero-copy for ring records and unwrapped samples).</summary>
        public void Consume(RingRecordCallback onRecord)
        {
            if (_perf is not null)
                _perf.ConsumeAll((_, payload) => onRecord(payload), onCorruption: (in PerfCorruption c) => Assert.Fail(c.ToString()));
            else
                _set![0].Consume(onRecord);
        }

        public void Dispose()
        {
            _set?.Dispose();
            _perf?.Dispose();
            _timeout.Dispose();
        }
    }
}
