using ManagedBpf.Kernel;
using ManagedBpf.Maps;

namespace ManagedBpf.Loader.Tests;

/// <summary>What ObjectSpec reads from the fixtures, without the kernel.</summary>
public sealed class ObjectSpecTests
{
    private static ObjectSpec Open(string fixture) => ObjectSpec.Open(Path.Combine(Fixtures.Directory, fixture + ".bpf.o"));

    [Fact]
    public void Btf_maps_carry_their_attributes_types_and_initial_values()
    {
        var spec = Open("maps");
        var flows = spec.Map("flows").Spec;
        Assert.Equal((BpfMapType.HASH, 16u, 16u, 1024u), (flows.Type, flows.KeySize, flows.ValueSize, flows.MaxEntries));
        Assert.Equal("fixture_flow_stats", spec.Btf!.NameOf(flows.BtfValueTypeId));
        var lru = spec.Map("pinned_lru").Spec;
        Assert.Equal((BpfMapType.LRU_HASH, MapFlags.NoCommonLru, MapPinning.ByName), (lru.Type, lru.Flags, lru.Pinning));
        Assert.Equal(BpfMapType.PERF_EVENT_ARRAY, spec.Map("events").Spec.Type);
        Assert.Equal(0u, spec.Map("events").Spec.MaxEntries); // filled with the possible CPU count at creation

        var jumps = spec.Maps.Single(m => m.Spec.Type == BpfMapType.PROG_ARRAY);
        Assert.NotEmpty(jumps.InitialValues);
        Assert.All(jumps.InitialValues.Values, target => Assert.Contains(target, spec.Programs.Select(p => p.Name)));
        var outer = spec.Maps.First(m => m.Spec.Type == BpfMapType.ARRAY_OF_MAPS);
        Assert.NotNull(outer.Spec.InnerMap);
        Assert.All(outer.InitialValues.Values, target => Assert.Contains(target, spec.Maps.Select(m => m.Name)));
    }

    [Fact]
    public void Legacy_map_definitions_are_read()
    {
        var spec = Open("legacy_maps");
        var legacy = spec.Maps.Where(m => m.Source == ObjectMapSource.Legacy).ToList();
        Assert.NotEmpty(legacy);
        Assert.All(legacy, m => Assert.NotEqual(BpfMapType.UNSPEC, m.Spec.Type));
        Assert.All(legacy, m => Assert.True(m.Spec.KeySize > 0 && m.Spec.MaxEntries > 0));
    }

    [Fact]
    public void Global_data_becomes_maps_with_variables_at_their_symbol_offsets()
    {
        var spec = Open("globals");
        Assert.Equal(
            [".rodata", ".data", ".data.custom", ".rodata.cst16", ".bss", ".rodata.str1.1"],
            spec.DataSections.Select(d => d.Name));
        Assert.Equal(8u, spec.Variable("loop_count").Get<uint>());
        Assert.Equal(0x4d616e6167656442ul, spec.Variable("magic").Get<ulong>());
        Assert.Equal(42ul, spec.Variable("custom_counter").Get<ulong>());
        Assert.Equal(1ul, spec.Variable("calls").Get<ulong>());
        Assert.Equal([0u, 8u, 24u], spec.DataSections.Single(d => d.Name == ".bss").Variables.Select(v => v.Offset));
        Assert.True(spec.Map(".rodata").Spec.Flags.HasFlag(MapFlags.ReadOnlyProgram));
        Assert.Equal("globals.rodata", spec.Map(".rodata").Spec.Name);
        Assert.Equal("g.rodata.str1.1", spec.Map(".rodata.str1.1").Spec.Name);
        Assert.Throws<ArgumentException>(() => spec.Variable("magic").Set(1u));
    }

    [Fact]
    public void Kconfig_externs_are_laid_out_as_libbpf_does()
    {
        var spec = Open("globals");
        // By alignment descending, then size, then name: the 4-byte ones first, then the bools.
        Assert.Equal(
            [("CONFIG_HZ", 0u), ("CONFIG_NET_CLS_BPF", 4u), ("LINUX_KERNEL_VERSION", 8u), ("CONFIG_BPF_JIT", 12u), ("CONFIG_MANAGEDBPF_NEVER_SET", 13u)],
            spec.KconfigExterns.Select(k => (k.Name, k.Offset)));
        Assert.False(spec.KconfigExterns.Single(k => k.Name == "LINUX_KERNEL_VERSION").Weak);
        Assert.True(spec.KconfigExterns.Single(k => k.Name == "CONFIG_HZ").Weak);
    }

    [Fact]
    public void Programs_come_from_sections_as_libbpf_names_them()
    {
        var tracing = Open("tracing");
        Assert.Contains(tracing.Programs, p => p.Type == BpfProgType.TRACEPOINT && p.Section!.AttachTarget == "syscalls/sys_enter_execve");
        Assert.Contains(tracing.Programs, p => p.Type == BpfProgType.TRACING && p.ExpectedAttachType == BpfAttachType.TRACE_ITER);
        var maps = Open("maps");
        Assert.Equal(3, maps.Programs.Count(p => p.SectionName == "xdp")); // three programs share one section
        Assert.All(Open("net").Programs, p => Assert.True(p.Autoload));
        Assert.Throws<KeyNotFoundException>(() => maps.Program("nope"));
    }

    [Fact]
    public void Not_an_object_is_a_format_error()
    {
        var e = Assert.Throws<BpfObjectFormatException>(() => ObjectSpec.Parse(new byte[64]));
        Assert.Contains("magic", e.Message, StringComparison.OrdinalIgnoreCase);
    }
}
