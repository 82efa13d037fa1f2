using System.Net.Sockets;

namespace ManagedBpf.Programs;

/// <summary>
/// A socket filter attached with setsockopt(SO_ATTACH_BPF). The socket holds the program: disposing (or
/// <see cref="Detach"/>) removes it with SO_DETACH_BPF; closing the socket removes it too.
/// </summary>
public sealed class SocketFilterLink : Link
{
    internal const int SOL_SOCKET = 1;
    internal const int SO_ATTACH_BPF = 50;
    internal const int SO_DETACH_BPF = 27; // the same option as SO_DETACH_FILTER

    private readonly Socket _socket;
    private bool _detached;

    internal SocketFilterLink(Socket socket, string description)
        : base(null, AttachMechanism.SocketOption, description) => _socket = socket;

    /// <summary>The socket the program filters.</summary>
    public Socket Socket => _socket;

    /// <summary>SO_DETACH_BPF.</summary>
    public override void Detach()
    {
        if (_detached)
            return;
        _socket.SetRawSocketOption(SOL_SOCKET, SO_DETACH_BPF, stackalloc byte[sizeof(int)]);
        _detached = true;
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        // A closed socket has dropped its filter already.
        if (disposing && _socket.SafeHandle is { IsClosed: false, IsInvalid: false })
            Detach();
        base.Dispose(disposing);
    }
}
