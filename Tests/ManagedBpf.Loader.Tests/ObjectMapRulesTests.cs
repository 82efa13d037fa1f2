using ManagedBpf.Kernel;
using ManagedBpf.Maps;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Loader.Tests;

/// <summary>
/// What libbpf does to an object's maps before creating them (btf_less_maps.bpf.c): no BTF key/value types for map
/// types that refuse them, and ring buffer sizes rounded up to a power-of-two multiple of the page size.
/// </summary>
public sealed class ObjectMapRulesTests
{
    private static ObjectSpec Open() => ObjectSpec.Open(Path.Combine(Fixtures.Directory, "btf_less_maps.bpf.o"));

    [Fact]
    public void An_objects_ring_buffer_sizes_are_rounded_up_as_libbpf_rounds_them()
    {
        var spec = Open();
        var page = (uint)Environment.SystemPageSize;
        Assert.Equal(page, spec.Map("small_ring").Spec.MaxEntries); // 1000
        Assert.Equal(page * (5000 <= page ? 1u : 2u), spec.Map("user_ring").Spec.MaxEntries); // 5000
    }

    [Fact]
    public void A_map_spec_built_in_code_stays_strict()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new MapSpec { Name = "ring", Type = BpfMapType.RINGBUF, MaxEntries = 1000 }.Normalize());
        Assert.Contains("power of two", e.Message);
    }

    [Fact]
    public void The_definitions_keep_their_btf_types_for_inspection()
    {
        // Only creation leaves them out: inspect and typed views still see what the source declared.
        var spec = Open();
        foreach (var name in new[] { "events", "cgroups", "stacks", "socks", "devices" })
            Assert.NotEqual(0u, spec.Map(name).Spec.BtfKeyTypeId);
        Assert.NotEqual(0u, spec.Map("queue").Spec.BtfValueTypeId);
    }

    [KernelFact]
    public void Maps_declared_with_btf_types_the_kernel_refuses_for_their_type_are_created_without_them()
    {
        // Before the fix: BPF_MAP_CREATE (map 'cgroups' (CGROUP_ARRAY)) failed: ENOTSUPP (524).
        using var collection = Open().Load();
        var page = (uint)Environment.SystemPageSize;
        foreach (var name in new[] { "events", "cgroups", "stacks", "socks", "devices", "queue" })
        {
            var info = collection.Map(name).GetInfo();
            Assert.Equal(0u, info.BtfKeyTypeId);
            Assert.Equal(0u, info.BtfValueTypeId);
        }

        Assert.Equal(page, collection.Map("small_ring").GetInfo().MaxEntries);
        Assert.Equal(RingBufferSize.RoundUp(5000), collection.Map("user_ring").GetInfo().MaxEntries);
        Assert.Single(collection.Programs);
    }
}
