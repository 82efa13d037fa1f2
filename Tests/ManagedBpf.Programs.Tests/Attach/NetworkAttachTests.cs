using ManagedBpf.Kernel;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Programs.Tests;

/// <summary>XDP and tcx on a veth pair in a network namespace the test creates; the programs count UDP datagrams to one port.</summary>
public sealed class NetworkAttachTests
{
    private const ushort Port = 4789;

    [KernelTheory]
    [InlineData(XdpMode.Generic)]
    [InlineData(XdpMode.Native)]
    public void Xdp_on_the_receiving_veth_counts_each_datagram_and_stops_when_disposed(XdpMode mode)
    {
        using var net = new VethNamespace();
        using var fixture = Fixture.Load(port: Port);
        net.Run(() =>
        {
            using var link = fixture["count_xdp"].AttachXdp(VethNamespace.Receiver, mode);
            Assert.Equal(AttachMechanism.BpfLink, link.Mechanism);
            var info = link.GetInfo();
            Assert.Equal(BpfLinkType.XDP, info.Type);
            Assert.Equal(NetworkInterfaces.IndexOf(VethNamespace.Receiver), info.InterfaceIndex);
            return 0;
        });
        // The link above was disposed inside Run: nothing is attached any more.
        net.Send(3, Port);
        Assert.Equal(0ul, fixture.CountWhenQuiet(Slot.Xdp, 0));

        var xdp = net.Run(() => fixture["count_xdp"].AttachXdp(VethNamespace.Receiver, mode));
        using (xdp)
        {
            net.Send(6, Port);
            net.Send(4, Port + 1); // another port: not counted
            Assert.Equal(6ul, fixture.CountWhenQuiet(Slot.Xdp, 6));
        }
        net.Send(6, Port);
        Assert.Equal(6ul, fixture.CountWhenQuiet(Slot.Xdp, 6));
    }

    [KernelFact]
    public void Detaching_an_xdp_link_stops_it_while_the_link_is_still_open()
    {
        using var net = new VethNamespace();
        using var fixture = Fixture.Load(port: Port);
        using var link = net.Run(() => fixture["count_xdp"].AttachXdp(VethNamespace.Receiver, XdpMode.Generic));
        net.Send(2, Port);
        Assert.Equal(2ul, fixture.CountWhenQuiet(Slot.Xdp, 2));
        link.Detach();
        net.Send(2, Port);
        Assert.Equal(2ul, fixture.CountWhenQuiet(Slot.Xdp, 2));
        Assert.Equal(0, link.GetInfo().InterfaceIndex); // a detached XDP link reports no interface
    }

    [KernelFact]
    public void A_second_xdp_link_in_the_same_mode_is_EBUSY_with_a_hint()
    {
        using var net = new VethNamespace();
        using var fixture = Fixture.Load(port: Port);
        var e = net.Run(() =>
        {
            using var first = fixture["count_xdp"].AttachXdp(VethNamespace.Receiver, XdpMode.Generic);
            return Assert.Throws<BpfSyscallException>(() => fixture["count_xdp"].AttachXdp(VethNamespace.Receiver, XdpMode.Generic));
        });
        Assert.Equal(Errno.EBUSY, e.Errno);
        Assert.Contains("already attached to that interface", e.Message);
    }

    [KernelFact]
    public void Tcx_ingress_and_egress_count_each_datagram_and_stop_when_disposed()
    {
        using var net = new VethNamespace();
        using var fixture = Fixture.Load(port: Port);
        var (ingress, egress) = net.Run(() => (
            fixture["count_tc_ingress"].AttachTcx(VethNamespace.Receiver, TcDirection.Ingress),
            fixture["count_tc_egress"].AttachTcx(VethNamespace.Sender, TcDirection.Egress)));
        using (ingress)
        using (egress)
        {
            net.Send(5, Port);
            Assert.Equal(5ul, fixture.CountWhenQuiet(Slot.TcIngress, 5));
            Assert.Equal(5ul, fixture.Count(Slot.TcEgress));
            var info = egress.GetInfo();
            Assert.Equal(BpfLinkType.TCX, info.Type);
            Assert.Equal(BpfAttachType.TCX_EGRESS, info.AttachType);
        }
        net.Send(5, Port);
        Assert.Equal(5ul, fixture.CountWhenQuiet(Slot.TcIngress, 5));
        Assert.Equal(5ul, fixture.Count(Slot.TcEgress));
    }

    [KernelFact]
    public void Tcx_needs_a_direction_when_the_section_names_none()
    {
        using var fixture = Fixture.Load();
        var e = Assert.Throws<ArgumentException>(() => fixture["count_tc_ingress"].AttachTcx(1));
        Assert.Contains("TcDirection", e.Message);
    }

    [KernelFact]
    public void An_interface_outside_this_threads_namespace_is_not_found()
    {
        using var fixture = Fixture.Load();
        var e = Assert.Throws<ArgumentException>(() => fixture["count_xdp"].AttachXdp("mbpf-no-such-if"));
        Assert.Contains("No network interface 'mbpf-no-such-if'", e.Message);
    }
}
