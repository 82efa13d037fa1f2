using ManagedBpf.Kernel.Perf;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Kernel.Tests;

public sealed unsafe class PerfEventTests
{
    private static PerfEventAttr BpfOutput() => new()
    {
        type = PerfConstants.PERF_TYPE_SOFTWARE,
        config = PerfConstants.PERF_COUNT_SW_BPF_OUTPUT,
        sample_type = PerfConstants.PERF_SAMPLE_RAW,
        sample_period = 1,
        wakeup_events = 1,
    };

    [KernelFact]
    public void Opens_and_maps_a_bpf_output_event_on_every_online_cpu()
    {
        var page = KernelInfo.PageSize;
        foreach (var cpu in KernelInfo.OnlineCpus())
        {
            var attr = BpfOutput();
            using var perf = PerfEvent.Open(ref attr, -1, cpu);
            using var mapping = SafeMmapHandle.Map(perf, (nuint)(page * (1 + 4)), MemoryProtection.ReadWrite, 0);
            PerfEvent.Enable(perf);
            using (var lease = mapping.Acquire())
            {
                // perf_event_mmap_page: data_head at 1024, data_tail 1032, data_offset 1040, data_size 1048.
                Assert.Equal(0ul, *(ulong*)(lease.Pointer + 1024));
                Assert.Equal((ulong)page, *(ulong*)(lease.Pointer + 1040));
                Assert.Equal((ulong)(4 * page), *(ulong*)(lease.Pointer + 1048));
            }
            PerfEvent.Disable(perf);
        }
    }

    [KernelFact]
    public void A_cpu_that_does_not_exist_is_named_in_the_error()
    {
        var attr = BpfOutput();
        var cpu = KernelInfo.PossibleCpuCount + 64;
        var e = Assert.Throws<BpfSyscallException>(() => PerfEvent.Open(ref attr, -1, cpu, "test output"));
        Assert.Equal("perf_event_open", e.Operation);
        Assert.Contains($"cpu {cpu}", e.Message);
    }
}
