using ManagedBpf.Kernel;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Programs.Tests;

/// <summary>A perf_event program on the software cpu-clock of every online CPU.</summary>
public sealed class PerfEventAttachTests
{
    [KernelFact]
    public void A_cpu_clock_sampler_on_every_cpu_fires_and_stops_when_disposed()
    {
        using var fixture = Fixture.Load();
        using (var group = fixture["count_perf_event"].AttachPerfEvent(new PerfEventOptions { SampleFrequency = 1000 }))
        {
            Assert.Equal(KernelInfo.OnlineCpus().Length, group.Links.Count);
            Assert.All(group.Links, l => Assert.Equal(AttachMechanism.PerfEventLink, l.Mechanism));
            Assert.InRange(fixture.WaitFor(Slot.PerfEvent, atLeast: 20), 20ul, ulong.MaxValue);
            Assert.Equal(BpfPerfEventType.EVENT, group.Links[0].GetInfo().PerfEventType);
        }
        // Absence takes an interval, and the signal that it has passed is a control: an independent sampler (its own
        // maps) at the same frequency counting 100 samples, which the disposed events would have matched had they still
        // been on. Loading it also outlasts a sample handler that was already running when the events went.
        using var control = Fixture.Load();
        var after = fixture.Count(Slot.PerfEvent);
        using (control["count_perf_event"].AttachPerfEvent(new PerfEventOptions { SampleFrequency = 1000 }))
            Assert.InRange(control.WaitFor(Slot.PerfEvent, atLeast: 100, milliseconds: 60_000), 100ul, ulong.MaxValue);
        Assert.Equal(after, fixture.Count(Slot.PerfEvent));
    }

    [KernelFact]
    public void A_sample_period_on_one_cpu_gives_one_event()
    {
        using var fixture = Fixture.Load();
        // cpu-clock counts nanoseconds: a sample every millisecond.
        using var group = fixture["count_perf_event"].AttachPerfEvent(new PerfEventOptions { SamplePeriod = 1_000_000, Cpus = [KernelInfo.OnlineCpus()[0]] });
        Assert.Single(group.Links);
        Assert.InRange(fixture.WaitFor(Slot.PerfEvent, atLeast: 5), 5ul, ulong.MaxValue);
    }

    [KernelFact]
    public void Period_and_frequency_are_exclusive()
    {
        using var fixture = Fixture.Load();
        Assert.Throws<ArgumentException>(() => fixture["count_perf_event"].AttachPerfEvent(new PerfEventOptions()));
        Assert.Throws<ArgumentException>(() => fixture["count_perf_event"].AttachPerfEvent(new PerfEventOptions { SamplePeriod = 1, SampleFrequency = 1 }));
    }

    [KernelFact]
    public void A_hardware_counter_fires_where_there_is_a_cpu_pmu_and_is_refused_per_cpu_where_there_is_none()
    {
        using var fixture = Fixture.Load();
        var cycles = new PerfEventOptions { Counter = PerfCounter.CpuCycles, SampleFrequency = 99 };
        if (Directory.Exists("/sys/bus/event_source/devices/cpu"))
        {
            using var group = fixture["count_perf_event"].AttachPerfEvent(cycles);
            Assert.InRange(fixture.WaitFor(Slot.PerfEvent, atLeast: 1), 1ul, ulong.MaxValue);
            return;
        }
        // This VM exposes no CPU PMU (/sys/bus/event_source/devices has no "cpu"): perf_event_open says so for the first CPU.
        var e = Assert.Throws<BpfSyscallException>(() => fixture["count_perf_event"].AttachPerfEvent(cycles));
        Assert.Equal("perf_event_open", e.Operation);
        Assert.Contains($"cpu {KernelInfo.OnlineCpus()[0]}", e.Message);
    }
}
