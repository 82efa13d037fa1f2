using ManagedBpf.Kernel;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Programs.Tests;

/// <summary>Pinning, reopening and detaching links: the attachment lives as long as a descriptor or a pin refers to it.</summary>
public sealed class LinkLifetimeTests
{
    [KernelFact]
    public void A_pinned_link_keeps_firing_after_dispose_until_unpinned()
    {
        using var dir = new BpfFsDirectory();
        using var helper = ProbeHelper.Start();
        using var fixture = Fixture.Load(tgid: helper.Pid);
        uint id;
        using (var link = fixture["count_tracepoint"].AttachTracepoint("syscalls", "sys_enter_getppid"))
        {
            link.Pin(dir["tp"]);
            id = link.GetInfo().Id;
        }
        helper.Run("getppid 3");
        Assert.Equal(3ul, fixture.Count(Slot.Tracepoint)); // the pin holds the perf link, which holds the event

        using (var reopened = BpfLink.OpenPinned(dir["tp"]))
        using (var byId = BpfLink.FromId(id))
        {
            Assert.Equal(id, reopened.GetInfo().Id);
            Assert.Equal(fixture["count_tracepoint"].Id, byId.GetInfo().ProgramId);
            // Perf links cannot be detached while they exist: the kernel has no detach for them.
            var e = Assert.Throws<BpfSyscallException>(reopened.Detach);
            Assert.Contains("dispose it and remove its pin", e.Message);
        }
        // bpffs frees an unpinned object after an RCU grace period, so the link goes soon after the unlink, not at it.
        File.Delete(dir["tp"]);
        var deadline = Environment.TickCount64 + 5000;
        ulong before;
        do
        {
            before = fixture.Count(Slot.Tracepoint);
            helper.Run("getppid 3");
        }
        while (fixture.Count(Slot.Tracepoint) != before && Environment.TickCount64 < deadline);
        helper.Run("getppid 3");
        Assert.Equal(before, fixture.Count(Slot.Tracepoint));
    }

    [KernelFact]
    public void Opening_a_pinned_map_as_a_link_is_refused()
    {
        using var dir = new BpfFsDirectory();
        using var fixture = Fixture.Load();
        fixture.Collection.Map("counters").Pin(dir["map"]);
        var e = Assert.Throws<InvalidOperationException>(() => BpfLink.OpenPinned(dir["map"]));
        Assert.Contains("bpf-map", e.Message);
    }
}
