using ManagedBpf.Kernel;
using ManagedBpf.TestSupport;
using static ManagedBpf.Maps.Tests.Specs;

namespace ManagedBpf.Maps.Tests;

public sealed class HashMapTests
{
    [KernelFact]
    public void Update_lookup_delete_round_trip()
    {
        using var map = Map.Create(Of(BpfMapType.HASH, 4, 8, 16));
        var value = new byte[8];
        Assert.False(map.TryLookup(U32(1), value));

        map.Update(U32(1), U64(100));
        Assert.True(map.TryLookup(U32(1), value));
        Assert.Equal(100ul, BitConverter.ToUInt64(value));

        map.Update(U32(1), U64(200), MapUpdateFlags.Exist);
        Assert.True(map.TryLookup(U32(1), value));
        Assert.Equal(200ul, BitConverter.ToUInt64(value));

        Assert.True(map.Delete(U32(1)));
        Assert.False(map.Delete(U32(1)));
        Assert.False(map.TryLookup(U32(1), value));
    }

    [KernelFact]
    public void Update_flags_are_enforced_with_their_meaning_in_the_message()
    {
        using var map = Map.Create(Of(BpfMapType.HASH, 4, 8, 16, name: "flags"));
        map.Update(U32(1), U64(1), MapUpdateFlags.NoExist);
        var exists = Assert.Throws<BpfSyscallException>(() => map.Update(U32(1), U64(2), MapUpdateFlags.NoExist));
        Assert.Equal(Errno.EEXIST, exists.Errno);
        Assert.Contains("BPF_NOEXIST", exists.Message);
        Assert.Contains("map 'flags' (HASH)", exists.Message);

        var missing = Assert.Throws<BpfSyscallException>(() => map.Update(U32(2), U64(2), MapUpdateFlags.Exist));
        Assert.Equal(Errno.ENOENT, missing.Errno);
        Assert.Contains("BPF_EXIST", missing.Message);
    }

    [KernelFact]
    public void A_full_map_says_so()
    {
        using var map = Map.Create(Of(BpfMapType.HASH, 4, 4, 2, name: "small"));
        map.Update(U32(1), U32(1));
        map.Update(U32(2), U32(2));
        var full = Assert.Throws<BpfSyscallException>(() => map.Update(U32(3), U32(3)));
        Assert.Equal(Errno.E2BIG, full.Errno);
        Assert.Contains("map is full", full.Message);
        map.Update(U32(2), U32(20)); // replacing still works when full
    }

    [KernelFact]
    public void Wrong_buffer_sizes_are_refused_before_the_kernel_sees_them()
    {
        using var map = Map.Create(Of(BpfMapType.HASH, 4, 8, 2));
        var key = Assert.Throws<ArgumentException>(() => map.Update(new byte[3], U64(1)));
        Assert.Contains("a key buffer of 3 bytes was passed where 4 are needed", key.Message);
        var value = Assert.Throws<ArgumentException>(() => map.TryLookup(U32(1), new byte[4]));
        Assert.Contains("values of this map are 8 bytes", value.Message);
    }

    [KernelFact]
    public void Keys_and_entries_walk_every_element()
    {
        using var map = Map.Create(Of(BpfMapType.HASH, 4, 4, 64));
        for (uint i = 0; i < 50; i++)
            map.Update(U32(i), U32(i * 10));
        var keys = map.Keys().Select(k => BitConverter.ToUInt32(k)).OrderBy(k => k).ToArray();
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (uint)i), keys);
        foreach (var (k, v) in map.Entries())
            Assert.Equal(BitConverter.ToUInt32(k) * 10, BitConverter.ToUInt32(v));

        Span<byte> next = stackalloc byte[4];
        Assert.True(map.TryGetNextKey([], next));
        using var empty = Map.Create(Of(BpfMapType.HASH, 4, 4, 4));
        Assert.False(empty.TryGetNextKey([], next));
        Assert.Empty(empty.Keys());
    }

    [KernelFact]
    public void Lookup_and_delete_takes_the_element()
    {
        using var map = Map.Create(Of(BpfMapType.HASH, 4, 4, 4));
        map.Update(U32(7), U32(70));
        var value = new byte[4];
        Assert.True(map.TryLookupAndDelete(U32(7), value));
        Assert.Equal(70u, BitConverter.ToUInt32(value));
        Assert.False(map.TryLookupAndDelete(U32(7), value));
    }

    [KernelFact]
    public void Lru_hash_evicts_instead_of_failing()
    {
        using var map = Map.Create(Of(BpfMapType.LRU_HASH, 4, 4, 16));
        for (uint i = 0; i < 200; i++)
            map.Update(U32(i), U32(i));
        var count = map.Keys().Count();
        Assert.InRange(count, 1, 16);
        Assert.True(map.TryLookup(U32(199), new byte[4]), "the newest element survives eviction");
    }

    [KernelFact]
    public void Info_reports_what_was_created()
    {
        using var map = Map.Create(Of(BpfMapType.HASH, 4, 8, 32, MapFlags.NoPrealloc, name: "a_map_with_a_long_name"));
        var info = map.GetInfo();
        Assert.Equal(BpfMapType.HASH, info.Type);
        Assert.Equal((4u, 8u, 32u), (info.KeySize, info.ValueSize, info.MaxEntries));
        Assert.Equal(MapFlags.NoPrealloc, info.Flags);
        Assert.Equal("a_map_with_a_lo", info.Name);
        Assert.NotEqual(0u, info.Id);
        using var again = Map.FromId(info.Id);
        Assert.Equal(info with { }, again.GetInfo());
    }

    [KernelFact]
    public void Typed_view_matches_sizes_and_allocates_nothing()
    {
        using var map = Map.Create(Of(BpfMapType.HASH, 4, 8, 16));
        var view = map.As<uint, ulong>();
        view.Update(3, 33);
        Assert.True(view.TryGetValue(3, out var v));
        Assert.Equal(33ul, v);
        Assert.True(view.TryGetFirstKey(out var first));
        Assert.Equal(3u, first);
        Assert.False(view.TryGetNextKey(first, out _));

        for (var i = 0; i < 100; i++)
            view.TryGetValue(3, out _); // warm up
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            view.TryGetValue(3, out _);
            view.Update(3, (ulong)i);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(view.Delete(3));

        var wrong = Assert.Throws<ArgumentException>(() => map.As<uint, uint>());
        Assert.Contains("UInt32 is 4 bytes but the map's value is 8 bytes", wrong.Message);
    }
}
