using ManagedBpf.Kernel;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Programs.Tests;

/// <summary>Tracepoints, raw tracepoints and tp_btf, each seen firing for the helper's events and then seen to stop.</summary>
public sealed class TracingAttachTests
{
    [KernelFact]
    public void A_tracepoint_counts_the_helpers_syscalls_exactly_and_stops_when_disposed()
    {
        using var helper = ProbeHelper.Start();
        using var fixture = Fixture.Load(tgid: helper.Pid);
        using (var link = fixture["count_tracepoint"].AttachTracepoint("syscalls", "sys_enter_getppid"))
        {
            Assert.Equal(AttachMechanism.PerfEventLink, link.Mechanism);
            helper.Run("getppid 9");
            Assert.Equal(9ul, fixture.Count(Slot.Tracepoint));

            var info = link.GetInfo();
            Assert.Equal(BpfLinkType.PERF_EVENT, info.Type);
            Assert.Equal(BpfPerfEventType.TRACEPOINT, info.PerfEventType);
            Assert.Equal("sys_enter_getppid", info.Name);
            Assert.Equal(fixture["count_tracepoint"].Id, info.ProgramId);
        }
        helper.Run("getppid 9");
        Assert.Equal(9ul, fixture.Count(Slot.Tracepoint));
    }

    [KernelFact]
    public void An_unknown_tracepoint_is_named()
    {
        using var fixture = Fixture.Load();
        var e = Assert.Throws<ArgumentException>(() => fixture["count_tracepoint"].AttachTracepoint("syscalls", "sys_enter_nothing"));
        Assert.Contains("no tracepoint syscalls/sys_enter_nothing", e.Message);
    }

    [KernelFact]
    public void A_raw_tracepoint_sees_the_helper_switched_out_and_stops_when_disposed() =>
        AssertSwitchesCountedUntilDisposed("count_raw_tp", Slot.RawTracepoint, p => p.AttachRawTracepoint("sched_switch"), link =>
        {
            Assert.Equal(AttachMechanism.RawTracepointOpen, link.Mechanism);
            var info = link.GetInfo();
            Assert.Equal(BpfLinkType.RAW_TRACEPOINT, info.Type);
            Assert.Equal("sched_switch", info.Name);
        });

    [KernelFact]
    public void An_unknown_raw_tracepoint_is_ENOENT_with_a_hint()
    {
        using var fixture = Fixture.Load();
        var e = Assert.Throws<BpfSyscallException>(() => fixture["count_raw_tp"].AttachRawTracepoint("no_such_tracepoint"));
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains("no raw tracepoint 'no_such_tracepoint'", e.Message);
    }

    [KernelFact]
    public void Tp_btf_attaches_by_its_btf_target_and_stops_when_disposed() =>
        AssertSwitchesCountedUntilDisposed("count_tp_btf", Slot.TpBtf, p => p.AttachTracing(), link =>
        {
            // 6.18's BPF_LINK_CREATE takes BPF_TRACE_RAW_TP, so no fallback to RAW_TRACEPOINT_OPEN is needed.
            Assert.Equal(AttachMechanism.BpfLink, link.Mechanism);
            Assert.Equal("sched_switch", link.GetInfo().Name);
        });

    [KernelFact]
    public void AttachTracing_refuses_programs_not_attached_by_btf_id()
    {
        using var fixture = Fixture.Load();
        var e = Assert.Throws<InvalidOperationException>(() => fixture["count_raw_tp"].AttachTracing());
        Assert.Contains("RAW_TRACEPOINT", e.Message);
    }

    /// <summary>Attaches a sched_switch program limited to the helper, sees its sleeps counted, disposes, and sees the count stop.</summary>
    internal static void AssertSwitchesCountedUntilDisposed(string program, Slot slot, Func<Program, Link> attach, Action<Link> check)
    {
        using var helper = ProbeHelper.Start();
        using var fixture = Fixture.Load(tgid: helper.Pid);
        using (var link = attach(fixture[program]))
        {
            helper.Run("sleep 20"); // each 1 ms sleep switches the helper out at least once
            Assert.InRange(fixture.Count(slot), 20ul, 1000ul);
            check(link);
        }
        // A sched_switch already under way on another CPU when the link went may still land: let one command pass first.
        helper.Run("sleep 1");
        var after = fixture.Count(slot);
        helper.Run("sleep 20");
        Assert.Equal(after, fixture.Count(slot));
    }
}
