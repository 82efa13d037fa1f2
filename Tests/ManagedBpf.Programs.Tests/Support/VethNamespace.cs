using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using ManagedBpf.Kernel;
using ManagedBpf.Kernel.Interop;

namespace ManagedBpf.Programs.Tests;

/// <summary>
/// A network namespace of the test's own with a veth pair in it: veth0 (10.203.0.1/24) and veth1 (no
/// address, MAC 02:00:00:00:00:02). A static neighbour entry sends datagrams for 10.203.0.2 out of veth0,
/// so they arrive on veth1's receive path (XDP, tc ingress) after leaving through veth0's tc egress; the
/// kernel then drops them, as veth1 has no address. Nothing leaves the namespace, which is deleted on dispose.
/// </summary>
internal sealed class VethNamespace : IDisposable
{
    public const string Sender = "veth0";
    public const string Receiver = "veth1";
    public static readonly IPAddress SenderAddress = IPAddress.Parse("10.203.0.1");
    public static readonly IPAddress PeerAddress = IPAddress.Parse("10.203.0.2");

    private static int _created;

    public VethNamespace()
    {
        Name = $"mbpf-{Environment.ProcessId}-{Interlocked.Increment(ref _created)}";
        Ip("netns", "add", Name);
        try
        {
            Ip("-n", Name, "link", "add", Sender, "type", "veth", "peer", "name", Receiver);
            Ip("-n", Name, "link", "set", Receiver, "address", "02:00:00:00:00:02");
            Ip("-n", Name, "addr", "add", "10.203.0.1/24", "dev", Sender);
            foreach (var device in new[] { "lo", Sender, Receiver })
                Ip("-n", Name, "link", "set", device, "up");
            Ip("-n", Name, "neigh", "add", PeerAddress.ToString(), "lladdr", "02:00:00:00:00:02", "dev", Sender, "nud", "permanent");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Name { get; }

    /// <summary>
    /// Runs <paramref name="action"/> on a thread moved into the namespace (setns moves only the calling
    /// thread): interface names resolve there, and sockets it creates belong there.
    /// </summary>
    public T Run<T>(Func<T> action)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                var fd = Libc.Open($"/run/netns/{Name}", Libc.O_RDONLY | Libc.O_CLOEXEC);
                Assert.True(fd >= 0, $"open /run/netns/{Name}: errno {Marshal.GetLastPInvokeError()}");
                using (new SafeFdHandle(fd, ownsHandle: true))
                    Assert.True(Libc.Setns(fd, Libc.CLONE_NEWNET) == 0, $"setns: errno {Marshal.GetLastPInvokeError()}");
                result = action();
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        if (error is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        return result;
    }

    /// <summary>Sends <paramref name="count"/> one-byte UDP datagrams from veth0's address to 10.203.0.2:<paramref name="port"/>.</summary>
    public void Send(int count, ushort port) => Run(() =>
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(SenderAddress, 0));
        for (var i = 0; i < count; i++)
            socket.SendTo("x"u8, new IPEndPoint(PeerAddress, port));
        return 0;
    });

    public void Dispose() => Ip("netns", "delete", Name);

    private static void Ip(params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo("ip", arguments) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"ip {string.Join(' ', arguments)}: {error}");
    }
}
