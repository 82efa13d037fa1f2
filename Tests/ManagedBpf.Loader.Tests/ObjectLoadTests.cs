using ManagedBpf.Kernel;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Loader.Tests;

/// <summary>Loading fixtures into the real kernel and running them.</summary>
/// <remarks>In the descriptor-counting collection: a test here counts the process's open maps, which a test of another
/// class running in parallel would change.</remarks>
[Collection(DescriptorCounting.Collection)]
public sealed class ObjectLoadTests
{
    private static ObjectSpec Open(string fixture) => ObjectSpec.Open(Path.Combine(Fixtures.Directory, fixture + ".bpf.o"));

    [KernelFact]
    public void Const_volatile_configuration_set_before_load_reaches_the_program()
    {
        var spec = Open("globals");
        spec.Variable("loop_count").Set(5u);
        using var collection = spec.Load();
        var program = collection.Program("run_globals");
        Assert.Equal(0u, program.TestRun(contextIn: new byte[8]).ReturnValue);

        // clamp_add(steps, visited): five bpf_loop steps plus the four array elements visited.
        Assert.Equal(9, collection.ReadVariable<int>("last_result"));
        Assert.Equal(2ul, collection.ReadVariable<ulong>("calls"));
        Assert.Equal(43ul, collection.ReadVariable<ulong>("custom_counter"));
        Assert.Equal(4u, collection.ReadVariable<uint>("visited"));
        Assert.NotEqual(UInt128.Zero, collection.ReadVariable<UInt128>("window")); // struct { u64 first, last; }
        Assert.Contains("is 8 bytes; UInt32 is 4", Assert.Throws<ArgumentException>(() => collection.ReadVariable<uint>("calls")).Message);

        // .rodata was frozen after it was filled: user space can no longer change it.
        var rodata = collection.Map(".rodata");
        Assert.Equal(Errno.EPERM, Assert.Throws<BpfSyscallException>(() => rodata.Update(new byte[4], new byte[rodata.ValueBufferSize])).Errno);
    }

    [KernelFact]
    public void Kconfig_values_come_from_the_running_kernel()
    {
        var spec = Open("globals");
        using var collection = spec.Load();
        var kconfig = collection.Map(".kconfig");
        var value = new byte[kconfig.ValueBufferSize];
        Assert.True(kconfig.TryLookup(new byte[4], value));
        Assert.Equal(KernelInfo.LinuxVersionCode, BitConverter.ToUInt32(value, 8));
        Assert.Equal(int.Parse(KernelConfig.Current!["CONFIG_HZ"]!), BitConverter.ToInt32(value, 0));
        Assert.Equal(KernelConfig.Current["CONFIG_BPF_JIT"] == "y" ? 1 : 0, value[12]);
        Assert.Equal(KernelConfig.Current["CONFIG_NET_CLS_BPF"] switch { "y" => 1, "m" => 2, _ => 0 }, BitConverter.ToInt32(value, 4));
        Assert.Equal(0, value[13]); // weak and unset
    }

    [KernelFact]
    public void Initial_values_of_program_arrays_and_map_in_maps_are_set()
    {
        using var dir = new BpfFsDirectory();
        var spec = Open("maps");
        using var collection = spec.Load(new CollectionOptions { PinDirectory = dir.Path });
        foreach (var objectMap in spec.Maps.Where(m => m.InitialValues.Count > 0))
        {
            var map = collection.Map(objectMap.Name);
            foreach (var (index, target) in objectMap.InitialValues)
            {
                var id = new byte[4];
                Assert.True(map.TryLookup(BitConverter.GetBytes(index), id), $"{objectMap.Name}[{index}]");
                var expected = objectMap.Spec.Type == BpfMapType.PROG_ARRAY ? collection.Program(target).Id : collection.Map(target).Id;
                Assert.Equal(expected, BitConverter.ToUInt32(id));
            }
        }
        Assert.True(File.Exists(dir["pinned_lru"]));
    }

    [KernelFact]
    public void A_verifier_rejection_disposes_what_was_created_and_shows_the_log()
    {
        var spec = Open("globals");
        foreach (var program in spec.Programs)
            program.Type = BpfProgType.SOCKET_FILTER; // bpf_loop and friends are not socket filter helpers
        var before = OpenDescriptors.Count("bpf-map");
        var e = Assert.Throws<Programs.BpfVerifierException>(() => spec.Load());
        Assert.Equal(BpfCommand.PROG_LOAD, e.Command);
        Assert.Contains("run_globals", e.Message);
        Assert.NotEmpty(e.Log);
        Assert.Equal(before, OpenDescriptors.Count("bpf-map"));
    }

    [KernelFact]
    public void Kfunc_calls_are_resolved_by_kernel_btf_id()
    {
        var spec = Open("ksyms");
        spec.Variable("target_pid").Set(Environment.ProcessId);
        using var collection = spec.Load();
        Assert.Equal(0u, collection.Program("ksym_kfuncs").TestRun(contextIn: new byte[8]).ReturnValue);
        Assert.Equal(Environment.ProcessId, collection.ReadVariable<int>("found_pid")); // bpf_task_from_pid found this process
    }

    [KernelFact]
    public void A_ksym_variable_reaches_the_kernel_by_btf_id()
    {
        var spec = Open("ksym_vars");
        if (KernelConfig.Current?["CONFIG_KALLSYMS_ALL"] == "y")
        {
            using var collection = spec.Load();
            collection.Program("ksym_variable").TestRun(contextIn: new byte[8]);
            Assert.True(collection.ReadVariable<int>("active_plus_one") >= 1);
            return;
        }
        // Without CONFIG_KALLSYMS_ALL the kernel knows the BTF id but not the address: the refusal names
        // the symbol, which shows the relocation carried the right id (libbpf fails the same way).
        var e = Assert.Throws<Programs.BpfVerifierException>(() => spec.Load());
        Assert.Contains("kernel symbol 'bpf_prog_active'", e.Log);
    }
}
