using ManagedBpf.Kernel;
using ManagedBpf.TestSupport;
using static ManagedBpf.Maps.Tests.Specs;

namespace ManagedBpf.Maps.Tests;

public sealed class PinningTests
{
    [KernelFact]
    public void A_pinned_map_is_the_same_map_when_reopened()
    {
        using var dir = new BpfFsDirectory();
        using var map = Map.Create(Of(BpfMapType.HASH, 4, 4, 8, name: "shared"));
        map.Pin(dir["shared"]);
        map.Update(U32(1), U32(11));

        using var reopened = Map.OpenPinned(dir["shared"]);
        Assert.Equal(map.Id, reopened.Id);
        Assert.Equal((BpfMapType.HASH, 4u, 4u, 8u, "shared"), (reopened.Type, reopened.KeySize, reopened.ValueSize, reopened.MaxEntries, reopened.Name));
        var value = new byte[4];
        Assert.True(reopened.TryLookup(U32(1), value));
        Assert.Equal(11u, BitConverter.ToUInt32(value));

        using var readOnly = Map.OpenPinned(dir["shared"], MapFlags.ReadOnly);
        Assert.Equal(Errno.EPERM, Assert.Throws<BpfSyscallException>(() => readOnly.Update(U32(2), U32(2))).Errno);
    }

    [KernelFact]
    public void Opening_a_path_with_nothing_pinned_says_so()
    {
        using var dir = new BpfFsDirectory();
        var e = Assert.Throws<BpfSyscallException>(() => Map.OpenPinned(dir["missing"]));
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Equal(BpfCommand.OBJ_GET, e.Command);
        Assert.Contains(dir["missing"], e.Message);
        Assert.Contains("Nothing is pinned at that path", e.Message);
    }

    [KernelFact]
    public void Pinning_twice_or_off_bpffs_is_refused_clearly()
    {
        using var dir = new BpfFsDirectory();
        using var map = Map.Create(Of(BpfMapType.ARRAY, 4, 4, 1));
        map.Pin(dir["once"]);
        var twice = Assert.Throws<BpfSyscallException>(() => map.Pin(dir["once"]));
        Assert.Equal(Errno.EEXIST, twice.Errno);
        Assert.Contains("already pinned", twice.Message);

        var offBpfFs = Assert.Throws<BpfSyscallException>(() => map.Pin(Path.Combine(Path.GetTempPath(), "not-bpffs-" + Guid.NewGuid())));
        Assert.Contains("must be on a bpf filesystem", offBpfFs.Message);
    }

    [KernelFact]
    public void Pin_by_name_reuses_a_compatible_map_and_refuses_an_incompatible_one()
    {
        using var dir = new BpfFsDirectory();
        var options = new MapCreateOptions { PinDirectory = dir.Path };
        var spec = Of(BpfMapType.HASH, 4, 4, 8, name: "by_name") with { Pinning = MapPinning.ByName };
        using var first = Map.Create(spec, options);
        Assert.True(File.Exists(dir["by_name"]));
        using var second = Map.Create(spec, options);
        Assert.Equal(first.Id, second.Id);

        var e = Assert.Throws<MapIncompatibleException>(() => Map.Create(spec with { MaxEntries = 9 }, options));
        Assert.Contains("max_entries 8 vs 9", e.Message);
        Assert.Contains(dir["by_name"], e.Message);
    }
}
