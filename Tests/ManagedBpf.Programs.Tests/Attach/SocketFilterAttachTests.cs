using System.Net;
using System.Net.Sockets;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Programs.Tests;

/// <summary>A socket filter on the receiving socket of a loopback UDP pair.</summary>
public sealed class SocketFilterAttachTests
{
    [KernelFact]
    public void A_socket_filter_sees_each_datagram_the_socket_receives_and_stops_when_disposed()
    {
        using var fixture = Fixture.Load();
        using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 5000 };
        receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var buffer = new byte[16];

        using (var link = fixture["count_socket"].AttachSocketFilter(receiver))
        {
            Assert.Equal(AttachMechanism.SocketOption, link.Mechanism);
            Assert.Null(link.Handle);
            for (var i = 0; i < 5; i++)
            {
                sender.SendTo("x"u8, receiver.LocalEndPoint!);
                Assert.Equal(1, receiver.Receive(buffer)); // the filter returned skb->len: the datagram is kept whole
            }
            Assert.Equal(5ul, fixture.Count(Slot.Socket));
            Assert.Throws<NotSupportedException>(() => link.Pin("/sys/fs/bpf/never"));
        }
        for (var i = 0; i < 3; i++)
        {
            sender.SendTo("x"u8, receiver.LocalEndPoint!);
            Assert.Equal(1, receiver.Receive(buffer));
        }
        Assert.Equal(5ul, fixture.Count(Slot.Socket));
    }
}
