namespace ManagedBpf.Kernel;

/// <summary>
/// A reference on a <see cref="SafeFdHandle"/> held for the duration of a syscall, so that a concurrent
/// Dispose cannot close the descriptor (and the kernel hand its number to something else) mid-call.
/// </summary>
public readonly ref struct FdLease
{
    private readonly SafeFdHandle? _handle;

    internal FdLease(SafeFdHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var added = false;
        handle.DangerousAddRef(ref added);
        _handle = handle;
        Fd = handle.Fd;
    }

    /// <summary>The descriptor number, valid until the lease is disposed.</summary>
    public int Fd { get; }

    /// <summary>Gives the reference back.</summary>
    public void Dispose() => _handle?.DangerousRelease();
}
