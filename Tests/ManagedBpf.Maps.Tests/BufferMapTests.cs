using ManagedBpf.Kernel;
using ManagedBpf.Kernel.Perf;
using ManagedBpf.TestSupport;
using static ManagedBpf.Maps.Tests.Specs;

namespace ManagedBpf.Maps.Tests;

public sealed class BufferMapTests
{
    private static readonly int Page = KernelInfo.PageSize;

    [KernelFact]
    public void Perf_event_array_defaults_to_one_entry_per_possible_cpu()
    {
        using var map = Map.Create(new MapSpec { Name = "events", Type = BpfMapType.PERF_EVENT_ARRAY });
        Assert.Equal((4u, 4u), (map.KeySize, map.ValueSize));
        Assert.Equal((uint)KernelInfo.PossibleCpuCount, map.MaxEntries);
        Assert.Equal((uint)KernelInfo.PossibleCpuCount, map.GetInfo().MaxEntries);
        Assert.Equal(8u, Map.Create(MapSpec.PerfEventArray("eight", 8)).MaxEntries);
    }

    [KernelFact]
    public void Perf_event_array_holds_perf_event_descriptors_per_cpu()
    {
        using var map = Map.Create(MapSpec.PerfEventArray("events"));
        foreach (var cpu in KernelInfo.OnlineCpus())
        {
            var attr = new PerfEventAttr { type = PerfConstants.PERF_TYPE_SOFTWARE, config = PerfConstants.PERF_COUNT_SW_BPF_OUTPUT, sample_type = PerfConstants.PERF_SAMPLE_RAW, sample_period = 1 };
            using var perf = PerfEvent.Open(ref attr, -1, cpu);
            map.SetDescriptor((uint)cpu, perf);
            Assert.True(map.Delete(U32((uint)cpu)));
        }
        var notPerf = Assert.Throws<BpfSyscallException>(() => map.SetDescriptor(0, map.Handle));
        Assert.Equal(Errno.EBADF, notPerf.Errno); // perf_event_get() refuses a descriptor that is not a perf event
    }

    [KernelFact]
    public void Ring_buffers_take_a_power_of_two_multiple_of_the_page()
    {
        using var ring = Map.Create(MapSpec.RingBuffer("rb", (ulong)Page * 16));
        Assert.Equal((uint)Page * 16, ring.GetInfo().MaxEntries);
        Assert.Equal((0u, 0u), (ring.KeySize, ring.ValueSize));
        using var user = Map.Create(MapSpec.UserRingBuffer("urb", (ulong)Page));
        Assert.Equal(BpfMapType.USER_RINGBUF, user.GetInfo().Type);
    }

    [Theory]
    [InlineData(1000ul)]
    [InlineData(0ul)]
    [InlineData(3ul * 4096 * 4)]
    public void Bad_ring_sizes_state_the_rule(ulong size)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => MapSpec.RingBuffer("rb", size));
        Assert.Contains("must be a power of two and a multiple of the page size", e.Message);
        Assert.Contains($"got {size}", e.Message);
        var viaSpec = Assert.Throws<ArgumentOutOfRangeException>(() => Map.Create(new MapSpec { Type = BpfMapType.USER_RINGBUF, MaxEntries = (uint)size }));
        Assert.Contains("power of two", viaSpec.Message);
    }

    [Fact]
    public void Ring_sizes_can_be_rounded_up_instead()
    {
        Assert.Equal((uint)Page, MapSpec.RingBuffer("rb", 1, roundUp: true).MaxEntries);
        Assert.Equal((uint)Page * 4, MapSpec.RingBuffer("rb", (ulong)Page * 3, roundUp: true).MaxEntries);
        Assert.Equal(1u << 20, RingBufferSize.RoundUp((1 << 20) - 1));
        Assert.Contains("at most", Assert.Throws<ArgumentOutOfRangeException>(() => RingBufferSize.RoundUp((1UL << 31) + 1)).Message);
    }

    [KernelFact]
    public void Kernel_rejection_of_a_raw_ring_size_carries_the_rule()
    {
        // Normalize() guards Map.Create; the kernel's own EINVAL gets the same rule as its hint.
        var attr = new Kernel.Abi.MapCreateAttr { map_type = (uint)BpfMapType.RINGBUF, max_entries = 1000 };
        var e = Assert.Throws<BpfSyscallException>(() => Bpf.MapCreate(ref attr, "raw ring"));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains("must be a power of two and a multiple of the page size", e.Message);
    }
}
