using ManagedBpf.Kernel;
using ManagedBpf.TestSupport;
using static ManagedBpf.Maps.Tests.Specs;

namespace ManagedBpf.Maps.Tests;

public sealed class PerCpuMapTests
{
    private static readonly int Cpus = KernelInfo.PossibleCpuCount;

    [KernelTheory]
    [InlineData(BpfMapType.PERCPU_HASH)]
    [InlineData(BpfMapType.PERCPU_ARRAY)]
    [InlineData(BpfMapType.LRU_PERCPU_HASH)]
    public void Values_hold_one_slot_per_possible_cpu(BpfMapType type)
    {
        using var map = Map.Create(Of(type, 4, 8, 4));
        Assert.True(map.IsPerCpu);
        Assert.Equal(8 * Cpus, map.ValueBufferSize);
        var view = map.AsPerCpu<uint, ulong>();
        var values = Enumerable.Range(0, Cpus).Select(c => (ulong)(c + 1) * 11).ToArray();
        view.Update(1, values);
        var read = new ulong[Cpus];
        Assert.True(view.TryGetValues(1, read));
        Assert.Equal(values, read);
    }

    [KernelFact]
    public void Slots_are_padded_to_eight_bytes()
    {
        // A 4-byte value occupies 8 bytes per CPU in user space: round_up(value_size, 8).
        using var map = Map.Create(Of(BpfMapType.PERCPU_ARRAY, 4, 4, 1));
        Assert.Equal(8 * Cpus, map.ValueBufferSize);
        var view = map.AsPerCpu<uint, uint>();
        var values = Enumerable.Range(0, Cpus).Select(c => (uint)(c + 7)).ToArray();
        view.Update(0, values);
        var read = new uint[Cpus];
        Assert.True(view.TryGetValues(0, read));
        Assert.Equal(values, read);

        var raw = new byte[map.ValueBufferSize];
        Assert.True(map.TryLookup(U32(0), raw));
        for (var cpu = 0; cpu < Cpus; cpu++)
            Assert.Equal(values[cpu], BitConverter.ToUInt32(raw, cpu * 8));

        var e = Assert.Throws<ArgumentException>(() => map.TryLookup(U32(0), new byte[4]));
        Assert.Contains($"per-CPU values take round_up(value_size 4, 8) × {Cpus} possible CPUs = {8 * Cpus} bytes", e.Message);
    }

    [KernelFact]
    public void Padded_per_cpu_reads_allocate_nothing_in_steady_state()
    {
        using var map = Map.Create(Of(BpfMapType.PERCPU_ARRAY, 4, 4, 1));
        var view = map.AsPerCpu<uint, uint>();
        var values = new uint[Cpus];
        for (var i = 0; i < 100; i++)
            view.TryGetValues(0, values);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
            view.TryGetValues(0, values);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [KernelFact]
    public void Views_refuse_the_wrong_kind_of_map()
    {
        using var perCpu = Map.Create(Of(BpfMapType.PERCPU_HASH, 4, 8, 1));
        Assert.Contains("is per-CPU", Assert.Throws<ArgumentException>(() => perCpu.As<uint, ulong>()).Message);
        using var plain = Map.Create(Of(BpfMapType.HASH, 4, 8, 1));
        Assert.Contains("is not per-CPU", Assert.Throws<ArgumentException>(() => plain.AsPerCpu<uint, ulong>()).Message);
        Assert.Contains("pass room for", Assert.Throws<ArgumentException>(() => perCpu.AsPerCpu<uint, ulong>().TryGetValues(1, new ulong[Cpus - 1])).Message);
    }
}
