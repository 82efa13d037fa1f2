using System.Net;
using System.Net.Sockets;
using ManagedBpf.Loader.Elf;
using ManagedBpf.TestSupport;
using Xunit.Abstractions;

namespace ManagedBpf.Programs.Tests;

/// <summary>
/// Disposing every link and the collection closes every descriptor they opened: /proc/self/fd counts the
/// same before loading and after disposing. Runs alone (no other test opens descriptors meanwhile).
/// </summary>
[Collection(DescriptorCounting.Collection)]
public sealed class DisposalTests(ITestOutputHelper output)
{
    [KernelFact]
    public void Disposing_links_of_every_kind_and_the_collection_leaves_no_descriptor_behind()
    {
        using var helper = ProbeHelper.Start();
        using var net = new VethNamespace();
        using var cgroup = new TestCgroup();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var offset = ElfSymbolOffsets.FindFunctionOffset(ProbeHelper.BinaryPath, "managedbpf_probe_target");
        _ = KernelAttachFeatures.Current; // probed once per process, outside the count

        var before = SettledDescriptorCount();
        var fixture = Fixture.Load(tgid: helper.Pid, port: 4791);
        var links = new List<Link>
        {
            fixture["count_tracepoint"].AttachTracepoint("syscalls", "sys_enter_getppid"),
            fixture["count_raw_tp"].AttachRawTracepoint("sched_switch"),
            fixture["count_tp_btf"].AttachTracing(),
            fixture["count_uprobe"].AttachUprobe(ProbeHelper.BinaryPath, offset, new UprobeOptions { ProcessId = helper.Pid }),
            fixture["count_uretprobe"].AttachUprobe(ProbeHelper.BinaryPath, offset, new UprobeOptions { Retprobe = true }),
            fixture["count_perf_event"].AttachPerfEvent(new PerfEventOptions { SampleFrequency = 100 }),
            fixture["count_socket"].AttachSocketFilter(socket),
            fixture["count_cgroup_skb"].AttachCgroup(cgroup.Path),
            fixture["count_cgroup_sock"].AttachCgroup(cgroup.Path),
            fixture["dump_task"].AttachIterator(),
        };
        links.AddRange(net.Run(() => new Link[]
        {
            fixture["count_xdp"].AttachXdp(VethNamespace.Receiver, XdpMode.Native),
            fixture["count_tc_ingress"].AttachTcx(VethNamespace.Receiver, TcDirection.Ingress),
            fixture["count_tc_egress"].AttachTcx(VethNamespace.Sender, TcDirection.Egress),
        }));
        using (var stream = ((IteratorLink)links[9]).Open())
            stream.ReadByte();

        var cpus = Kernel.KernelInfo.OnlineCpus().Length;
        var during = OpenDescriptors.Count();
        Assert.Equal(11 + cpus, LinkDescriptors()); // every link but the socket filter's, one per CPU for perf_event
        Assert.Equal(3 + cpus, OpenDescriptors.Count("perf_event")); // the tracepoint, two uprobes, one per CPU
        helper.Run("getppid 1");

        foreach (var link in links)
            link.Dispose();
        fixture.Dispose();
        Assert.Equal(0, LinkDescriptors());
        Assert.Equal(before, OpenDescriptors.Count());
        output.WriteLine($"/proc/self/fd: {before} before loading, {during} with {links.Count} attachments ({11 + cpus} bpf_link, {3 + cpus} perf_event), {OpenDescriptors.Count()} after disposing");
    }

    /// <summary>
    /// The descriptor count once earlier tests' garbage is finalized, so only this test's own descriptors come
    /// and go afterwards. The count after disposing is taken without collecting: finalizers must not be what
    /// closes the descriptors under test.
    /// </summary>
    private static int SettledDescriptorCount()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return OpenDescriptors.Count();
    }

    /// <summary>Link descriptors: "anon_inode:bpf_link" when created, "anon_inode:bpf-link" when reopened from a pin or id.</summary>
    private static int LinkDescriptors() => OpenDescriptors.Count("bpf_link") + OpenDescriptors.Count("bpf-link");

    [KernelFact]
    public void A_failing_auto_attach_disposes_the_links_it_made()
    {
        using var fixture = Fixture.Load();
        var before = SettledDescriptorCount();
        // No symbol lookup: uprobe/libc.so.6:getppid fails after the tracepoint, raw_tp and tp_btf links are made.
        Assert.Throws<InvalidOperationException>(() => AutoAttach.AttachAll(fixture.AutoAttachRequests()));
        Assert.Equal(0, LinkDescriptors());
        Assert.Equal(before, OpenDescriptors.Count());

        // And a whole successful auto-attach, disposed.
        using (var attached = AutoAttach.AttachAll(fixture.AutoAttachRequests(), new AutoAttachOptions { ResolveFunctionOffset = ElfSymbolOffsets.FindFunctionOffset }))
            Assert.Equal(5, LinkDescriptors());
        Assert.Equal(0, LinkDescriptors());
        Assert.Equal(before, OpenDescriptors.Count());
    }
}
