using ManagedBpf.Kernel;
using ManagedBpf.TestSupport;
using static ManagedBpf.Maps.Tests.Specs;

namespace ManagedBpf.Maps.Tests;

public sealed class ArrayMapTests
{
    [KernelFact]
    public void Elements_exist_zeroed_and_keys_are_indices_in_order()
    {
        using var map = Map.Create(Of(BpfMapType.ARRAY, 4, 8, 4));
        var value = new byte[8];
        Assert.True(map.TryLookup(U32(3), value));
        Assert.Equal(0ul, BitConverter.ToUInt64(value));
        Assert.False(map.TryLookup(U32(4), value));
        Assert.Equal([0u, 1u, 2u, 3u], map.Keys().Select(k => BitConverter.ToUInt32(k)));
    }

    [KernelFact]
    public void Out_of_range_and_delete_are_refused_clearly()
    {
        using var map = Map.Create(Of(BpfMapType.ARRAY, 4, 8, 4, name: "arr"));
        var outOfRange = Assert.Throws<BpfSyscallException>(() => map.Update(U32(4), U64(1)));
        Assert.Equal(Errno.E2BIG, outOfRange.Errno);
        Assert.Contains("past max_entries", outOfRange.Message);
        var delete = Assert.Throws<BpfSyscallException>(() => map.Delete(U32(0)));
        Assert.Equal(Errno.EINVAL, delete.Errno);
        Assert.Contains("BPF_MAP_DELETE_ELEM (map 'arr' (ARRAY))", delete.Message);
    }

    [KernelFact]
    public void Freeze_stops_user_space_writes()
    {
        using var map = Map.Create(Of(BpfMapType.ARRAY, 4, 8, 2, name: "frozen"));
        map.Update(U32(0), U64(5));
        map.Freeze();
        var e = Assert.Throws<BpfSyscallException>(() => map.Update(U32(0), U64(6)));
        Assert.Equal(Errno.EPERM, e.Errno);
        Assert.Contains("the map is frozen", e.Message);
        var value = new byte[8];
        Assert.True(map.TryLookup(U32(0), value));
        Assert.Equal(5ul, BitConverter.ToUInt64(value));
        var again = Assert.Throws<BpfSyscallException>(map.Freeze);
        Assert.Equal(Errno.EPERM, again.Errno);
        Assert.Contains("already frozen", again.Message);
    }

    [KernelFact]
    public void Wrong_key_size_for_the_type_states_the_rule()
    {
        var e = Assert.Throws<BpfSyscallException>(() => Map.Create(Of(BpfMapType.ARRAY, 8, 8, 2)));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains("ARRAY maps take a 4-byte key (the index), got 8", e.Message);
    }
}
