using System.Runtime.InteropServices;
using ManagedBpf.Kernel.Interop;

namespace ManagedBpf.Kernel;

/// <summary>
/// A file descriptor the process owns: a BPF map, program, link or BTF object, a perf event, an epoll set
/// or an eventfd. Closed exactly once when disposed or finalised. -1 is invalid; 0 is a valid descriptor.
/// </summary>
public sealed class SafeFdHandle : SafeHandle
{
    /// <summary>Creates an invalid handle (for marshalling and for "no descriptor").</summary>
    public SafeFdHandle()
        : base(-1, ownsHandle: true)
    {
    }

    /// <summary>Wraps a descriptor.</summary>
    /// <param name="fd">The descriptor.</param>
    /// <param name="ownsHandle">Whether disposing this handle closes the descriptor.</param>
    public SafeFdHandle(int fd, bool ownsHandle)
        : base(-1, ownsHandle) => SetHandle(fd);

    /// <inheritdoc/>
    public override bool IsInvalid => handle < 0;

    /// <summary>The descriptor number. Valid only while the handle is neither disposed nor released.</summary>
    public int Fd => (int)handle;

    /// <summary>
    /// Borrows the descriptor number for the duration of a call, keeping the handle from being closed and
    /// reused underneath it. Dispose the lease when the call returns.
    /// </summary>
    public FdLease Borrow() => new(this);

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
