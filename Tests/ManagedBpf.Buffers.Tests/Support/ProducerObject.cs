using System.Buffers.Binary;
using ManagedBpf.Kernel;
using ManagedBpf.Loader;
using ManagedBpf.Maps;
using ManagedBpf.Programs;

namespace ManagedBpf.Buffers.Tests.Support;

/// <summary>
/// <c>fixtures/obj/producers.bpf.o</c> loaded: <c>produce_ringbuf</c> and <c>produce_perf</c> write <c>record_count</c>
/// records of <c>payload_size</c> bytes each (any size from 8), which a test changes between runs through the
/// <c>.data</c> map, so records of any length, shorter or longer than a struct, come from a real producer.
/// </summary>
internal sealed class ProducerObject : IDisposable
{
    private readonly Collection _collection;
    private readonly GlobalVariable _payloadSize, _recordCount;
    private readonly Map _data;

    public ProducerObject()
    {
        var spec = ObjectSpec.Open(Path.Combine(AppContext.BaseDirectory, "fixtures", "obj", "producers.bpf.o"));
        _payloadSize = spec.Variable("payload_size");
        _recordCount = spec.Variable("record_count");
        _collection = spec.Load();
        _data = _collection.Map(_payloadSize.Section.Name);
    }

    /// <summary>The 256 KiB ring buffer.</summary>
    public Map Ring => _collection.Map("ring");

    /// <summary>The perf event array.</summary>
    public Map Perf => _collection.Map("perf");

    /// <summary>The sequence number the next record carries.</summary>
    public ulong NextSequence => _collection.ReadVariable<ulong>("sequence");

    /// <summary>Writes <paramref name="count"/> ring buffer records of <paramref name="size"/> bytes.</summary>
    public void ProduceRing(uint size, uint count = 1)
    {
        Set(size, count);
        Assert.Equal(count, _collection.Program("produce_ringbuf").TestRun().ReturnValue);
        Assert.Equal(0ul, _collection.ReadVariable<ulong>("ring_drops"));
    }

    /// <summary>Writes <paramref name="count"/> perf samples of <paramref name="size"/> bytes on <paramref name="cpu"/>.</summary>
    public void ProducePerf(int cpu, uint size, uint count = 1)
    {
        Set(size, count);
        Assert.Equal(count, _collection.Program("produce_perf").TestRun(contextIn: stackalloc byte[8], flags: TestRunFlags.RunOnCpu, cpu: (uint)cpu).ReturnValue);
        Assert.Equal(0ul, _collection.ReadVariable<ulong>("perf_drops"));
    }

    /// <summary>
    /// What the program writes for sequence number <paramref name="seq"/> in <paramref name="size"/> bytes: the number
    /// (little-endian), then byte <c>i</c> = <c>i</c> up to offset 63, then zeros.
    /// </summary>
    public static byte[] Payload(ulong seq, int size)
    {
        var payload = new byte[size];
        BinaryPrimitives.WriteUInt64LittleEndian(payload, seq);
        for (var i = 8; i < Math.Min(size, 64); i++)
            payload[i] = (byte)i;
        return payload;
    }

    public void Dispose() => _collection.Dispose();

    private void Set(uint size, uint count)
    {
        var value = new byte[_data.ValueSize];
        Assert.True(_data.TryLookup(new byte[4], value));
        BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan((int)_payloadSize.Offset), size);
        BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan((int)_recordCount.Offset), count);
        _data.Update(new byte[4], value);
    }
}
