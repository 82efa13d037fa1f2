using ManagedBpf.Kernel;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Programs.Tests;

/// <summary>
/// cgroup_skb (egress) and cgroup/sock_create programs on a test cgroup. A dedicated child process (the
/// helper) is moved into the cgroup and sends the traffic, so nothing else the test runner does is counted.
/// </summary>
public sealed class CgroupAttachTests
{
    private const ushort Port = 4790;

    [KernelFact]
    public void Cgroup_skb_and_sock_programs_see_the_cgroups_traffic_and_stop_when_disposed()
    {
        using var cgroup = new TestCgroup();
        using var helper = ProbeHelper.Start();
        cgroup.Add(helper.Pid);
        using var fixture = Fixture.Load(port: Port);
        using (var skb = fixture["count_cgroup_skb"].AttachCgroup(cgroup.Path))
        using (var sock = fixture["count_cgroup_sock"].AttachCgroup(cgroup.Path))
        {
            Assert.Equal(AttachMechanism.BpfLink, skb.Mechanism);
            helper.Run($"udp 5 {Port} 127.0.0.1");
            Assert.Equal(5ul, fixture.Count(Slot.CgroupSkb));
            Assert.Equal(1ul, fixture.Count(Slot.CgroupSock));

            var info = skb.GetInfo();
            Assert.Equal(BpfLinkType.CGROUP, info.Type);
            Assert.Equal(BpfAttachType.CGROUP_INET_EGRESS, info.AttachType);
            Assert.Equal(InodeOf(cgroup.Path), info.CgroupId); // a cgroup's id is its directory's inode number
        }
        helper.Run($"udp 5 {Port} 127.0.0.1");
        Assert.Equal(5ul, fixture.Count(Slot.CgroupSkb));
        Assert.Equal(1ul, fixture.Count(Slot.CgroupSock));
    }

    [KernelFact]
    public void A_path_that_is_not_a_cgroup_directory_fails_clearly()
    {
        using var fixture = Fixture.Load();
        var e = Assert.Throws<BpfSyscallException>(() => fixture["count_cgroup_skb"].AttachCgroup("/no/such/cgroup"));
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains("/no/such/cgroup", e.Message);
        var notCgroup = Assert.Throws<BpfSyscallException>(() => fixture["count_cgroup_skb"].AttachCgroup("/tmp"));
        Assert.Equal(Errno.EBADF, notCgroup.Errno);
    }

    private static ulong InodeOf(string path)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%i", path]) { RedirectStandardOutput = true })!;
        var text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return ulong.Parse(text.Trim());
    }
}
