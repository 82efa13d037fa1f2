using System.Net.Sockets;

namespace ManagedBpf.Programs;

public sealed partial class Program
{
    /// <summary>
    /// Attaches a SOCKET_FILTER program to <paramref name="socket"/> with setsockopt(SOL_SOCKET, SO_ATTACH_BPF):
    /// every packet the socket receives runs the program, which returns how many bytes to keep (0 drops it).
    /// One filter per socket: attaching replaces the previous one.
    /// </summary>
    /// <exception cref="SocketException">The kernel refused (EINVAL: not a socket filter program).</exception>
    public SocketFilterLink AttachSocketFilter(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        AttachSupport.Require(AttachKind.SocketFilter);
        using var lease = Handle.Borrow();
        Span<byte> fd = stackalloc byte[sizeof(int)];
        BitConverter.TryWriteBytes(fd, lease.Fd);
        socket.SetRawSocketOption(SocketFilterLink.SOL_SOCKET, SocketFilterLink.SO_ATTACH_BPF, fd);
        return new SocketFilterLink(socket, $"{this} on socket {socket.SafeHandle.DangerousGetHandle()}");
    }
}
