using ManagedBpf.Kernel;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Maps.Tests;

public sealed class BatchTests
{
    [KernelTheory]
    [InlineData(BpfMapType.HASH)]
    [InlineData(BpfMapType.PERCPU_HASH)]
    [InlineData(BpfMapType.LRU_HASH)]
    [InlineData(BpfMapType.ARRAY)]
    public void Update_then_page_through_every_element(BpfMapType type)
    {
        const int count = 100;
        using var map = Map.Create(Specs.Of(type, 4, 8, count));
        var keys = new byte[count * 4];
        var values = new byte[count * map.ValueBufferSize];
        for (var i = 0; i < count; i++)
        {
            BitConverter.TryWriteBytes(keys.AsSpan(i * 4), (uint)i);
            BitConverter.TryWriteBytes(values.AsSpan(i * map.ValueBufferSize), (ulong)i * 3);
        }
        Assert.Equal(count, map.UpdateBatch(keys, values));

        var cursor = new MapBatchCursor(map);
        var seen = new Dictionary<uint, ulong>();
        var pageKeys = new byte[16 * 4];
        var pageValues = new byte[16 * map.ValueBufferSize];
        var batches = 0;
        while (!cursor.IsDone)
        {
            var n = map.LookupBatch(cursor, pageKeys, pageValues);
            for (var i = 0; i < n; i++)
                seen.Add(BitConverter.ToUInt32(pageKeys, i * 4), BitConverter.ToUInt64(pageValues, i * map.ValueBufferSize));
            Assert.True(++batches < 100, "batch walk did not end");
        }
        Assert.Equal(count, seen.Count);
        Assert.All(seen, kv => Assert.Equal(kv.Key * 3ul, kv.Value));
    }

    [KernelFact]
    public void Lookup_and_delete_batch_empties_the_map_and_delete_batch_reports_missing_keys()
    {
        using var map = Map.Create(Specs.Of(BpfMapType.HASH, 4, 4, 64));
        for (uint i = 0; i < 40; i++)
            map.Update(BitConverter.GetBytes(i), BitConverter.GetBytes(i));
        var cursor = new MapBatchCursor(map);
        var total = 0;
        while (!cursor.IsDone)
            total += map.LookupBatch(cursor, new byte[64 * 4], new byte[64 * 4], delete: true);
        Assert.Equal(40, total);
        Assert.Empty(map.Keys());

        map.Update(BitConverter.GetBytes(1u), BitConverter.GetBytes(1u));
        Assert.Equal(1, map.DeleteBatch(BitConverter.GetBytes(1u)));
        var missing = Assert.Throws<BpfSyscallException>(() => map.DeleteBatch(BitConverter.GetBytes(2u)));
        Assert.Equal(Errno.ENOENT, missing.Errno);
    }

    [KernelFact]
    public void Batch_buffers_must_agree_and_unsupported_types_say_so()
    {
        using var map = Map.Create(Specs.Of(BpfMapType.HASH, 4, 4, 4));
        var e = Assert.Throws<ArgumentException>(() => map.UpdateBatch(new byte[8], new byte[4]));
        Assert.Contains("the same number of 4-byte keys and 4-byte values", e.Message);

        using var queue = Map.Create(Specs.Of(BpfMapType.QUEUE, 0, 4, 4));
        Assert.Throws<ArgumentException>(() => queue.LookupBatch(new MapBatchCursor(queue), new byte[4], new byte[4]));
        using var stackTrace = Map.Create(Specs.Of(BpfMapType.STACK_TRACE, 4, 8, 4));
        var unsupported = Assert.Throws<BpfSyscallException>(() => stackTrace.LookupBatch(new MapBatchCursor(stackTrace), new byte[4], new byte[8]));
        Assert.Contains("do not support batch operations", unsupported.Message);
    }
}
