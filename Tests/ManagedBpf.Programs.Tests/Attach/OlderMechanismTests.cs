using ManagedBpf.Kernel;
using ManagedBpf.Kernel.Perf;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Programs.Tests;

/// <summary>
/// The mechanisms older kernels need still work on this one, so the fallbacks <see cref="AttachSupport"/>
/// chooses there are exercised here: PERF_EVENT_IOC_SET_BPF (before perf links), BPF_PROG_ATTACH (before
/// bpf_link) and BPF_RAW_TRACEPOINT_OPEN for a BTF-targeted program (before LINK_CREATE took tracing programs).
/// </summary>
public sealed class OlderMechanismTests
{
    [KernelFact]
    public void A_tracepoint_attached_with_SET_BPF_fires_until_the_perf_event_is_closed()
    {
        using var helper = ProbeHelper.Start();
        using var fixture = Fixture.Load(tgid: helper.Pid);
        var attr = new PerfEventAttr { type = PerfConstants.PERF_TYPE_TRACEPOINT, config = Program.TracepointId("syscalls", "sys_enter_getppid") };
        using (var link = PerfEventAttach.Attach(fixture["count_tracepoint"], AttachMechanism.PerfEventIoctl, ref attr, -1, 0, 0, "set_bpf"))
        {
            Assert.Null(link.Handle);
            helper.Run("getppid 6");
            Assert.Equal(6ul, fixture.Count(Slot.Tracepoint));
            Assert.Throws<NotSupportedException>(link.GetInfo);
        }
        helper.Run("getppid 6");
        Assert.Equal(6ul, fixture.Count(Slot.Tracepoint));
    }

    [KernelFact]
    public void A_cookie_needs_a_perf_link()
    {
        using var fixture = Fixture.Load();
        var attr = new PerfEventAttr { type = PerfConstants.PERF_TYPE_TRACEPOINT, config = Program.TracepointId("syscalls", "sys_enter_getppid") };
        Assert.Throws<NotSupportedException>(() => PerfEventAttach.Attach(fixture["count_tracepoint"], AttachMechanism.PerfEventIoctl, ref attr, -1, 0, cookie: 7, "set_bpf"));
    }

    [KernelFact]
    public void A_cgroup_program_attached_with_PROG_ATTACH_fires_until_detached()
    {
        using var cgroup = new TestCgroup();
        using var helper = ProbeHelper.Start();
        cgroup.Add(helper.Pid);
        using var fixture = Fixture.Load(port: 4792);
        var fd = Kernel.Interop.Libc.Open(cgroup.Path, Kernel.Interop.Libc.O_RDONLY | Kernel.Interop.Libc.O_CLOEXEC);
        using var link = ProgAttachLink.Attach(fixture["count_cgroup_skb"], new SafeFdHandle(fd, ownsHandle: true), BpfAttachType.CGROUP_INET_EGRESS, "prog_attach");
        Assert.Equal(AttachMechanism.ProgAttach, link.Mechanism);
        helper.Run("udp 4 4792 127.0.0.1");
        Assert.Equal(4ul, fixture.Count(Slot.CgroupSkb));
        link.Detach();
        helper.Run("udp 4 4792 127.0.0.1");
        Assert.Equal(4ul, fixture.Count(Slot.CgroupSkb));
        link.Detach(); // idempotent; Dispose does not detach twice either
    }

    [KernelFact]
    public void Tp_btf_opened_with_RAW_TRACEPOINT_OPEN_and_no_name_fires_until_disposed() =>
        TracingAttachTests.AssertSwitchesCountedUntilDisposed("count_tp_btf", Slot.TpBtf,
            p => new BpfLink(BpfLinkCommands.RawTracepointOpen(p, null, "raw_tp_open"), AttachMechanism.RawTracepointOpen, "raw_tp_open"),
            link => Assert.Equal(BpfLinkType.RAW_TRACEPOINT, link.GetInfo().Type));
}
