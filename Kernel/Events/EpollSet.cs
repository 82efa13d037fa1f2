using System.Runtime.InteropServices;
using ManagedBpf.Kernel.Interop;

namespace ManagedBpf.Kernel;

/// <summary>
/// An epoll instance with a built-in eventfd, so that a wait can be woken from another thread
/// (<see cref="Interrupt"/>, or a cancelled token) without closing anything. EINTR is retried with the
/// remaining timeout, so a signal never shortens or ends a wait early.
/// </summary>
public sealed unsafe class EpollSet : IDisposable
{
    /// <summary>The data value reserved for the wake-up eventfd; never returned to callers.</summary>
    private const ulong WakeData = ulong.MaxValue;

    private readonly SafeFdHandle _epoll;
    private readonly SafeFdHandle _wake;
    private int _waiters;
    private volatile bool _disposing;

    /// <summary>Creates an empty set.</summary>
    /// <exception cref="BpfSyscallException">epoll_create1 or eventfd failed.</exception>
    public EpollSet()
    {
        _epoll = Check(Libc.EpollCreate1(Libc.EPOLL_CLOEXEC), "epoll_create1");
        try
        {
            _wake = Check(Libc.EventFd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK), "eventfd");
            Add(_wake, EpollEvents.In, WakeData);
        }
        catch
        {
            _epoll.Dispose();
            throw;
        }
    }

    /// <summary>Watches <paramref name="fd"/> for <paramref name="events"/>; <paramref name="data"/> comes back with each readiness.</summary>
    /// <exception cref="BpfSyscallException">epoll_ctl failed.</exception>
    public void Add(SafeFdHandle fd, EpollEvents events, ulong data) => Control(Libc.EPOLL_CTL_ADD, fd, events, data);

    /// <summary>Changes what <paramref name="fd"/> is watched for.</summary>
    public void Modify(SafeFdHandle fd, EpollEvents events, ulong data) => Control(Libc.EPOLL_CTL_MOD, fd, events, data);

    /// <summary>Stops watching <paramref name="fd"/>.</summary>
    public void Remove(SafeFdHandle fd) => Control(Libc.EPOLL_CTL_DEL, fd, EpollEvents.None, 0);

    /// <summary>
    /// Waits until a descriptor is ready, the timeout passes, <see cref="Interrupt"/> is called, or the token
    /// is cancelled. Returns how many entries of <paramref name="ready"/> were filled (0 on timeout or interrupt).
    /// </summary>
    /// <param name="ready">Receives the ready descriptors.</param>
    /// <param name="timeoutMilliseconds">-1 waits forever; 0 polls.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    public int Wait(Span<EpollReady> ready, int timeoutMilliseconds, CancellationToken cancellationToken = default)
    {
        if (ready.IsEmpty)
            throw new ArgumentException("Pass room for at least one ready descriptor.", nameof(ready));
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _waiters);
        try
        {
            ObjectDisposedException.ThrowIf(_disposing, this);
            return WaitCore(ready, timeoutMilliseconds, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _waiters);
        }
    }

    private int WaitCore(Span<EpollReady> ready, int timeoutMilliseconds, CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.CanBeCanceled ? cancellationToken.UnsafeRegister(static s => ((EpollSet)s!).Interrupt(), this) : default;

        var capacity = Math.Min(ready.Length + 1, 64);
        var buffer = stackalloc byte[capacity * EpollEventLayout.Size];
        var deadline = timeoutMilliseconds < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMilliseconds;
        using var lease = _epoll.Borrow();
        while (true)
        {
            var remaining = timeoutMilliseconds < 0 ? -1 : (int)Math.Max(0, deadline - Environment.TickCount64);
            var count = Libc.EpollWait(lease.Fd, buffer, capacity, remaining);
            if (count < 0)
            {
                var errno = (Errno)Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR)
                    continue;
                throw new BpfSyscallException("epoll_wait", errno);
            }
            var filled = 0;
            for (var i = 0; i < count; i++)
            {
                var entry = buffer + (i * EpollEventLayout.Size);
                var data = *(ulong*)(entry + EpollEventLayout.DataOffset);
                if (data == WakeData)
                {
                    DrainWake();
                    continue;
                }
                if (filled < ready.Length)
                    ready[filled++] = new EpollReady((EpollEvents)(*(uint*)entry), data);
            }
            cancellationToken.ThrowIfCancellationRequested();
            // A wake-up with nothing else ready ends the wait: that is what Interrupt promises.
            return filled;
        }
    }

    /// <summary>Wakes a thread blocked in <see cref="Wait"/> (it returns 0). Safe from any thread, any number of times.</summary>
    public void Interrupt()
    {
        ulong one = 1;
        var added = false;
        try
        {
            _wake.DangerousAddRef(ref added);
            Libc.Write(_wake.Fd, &one, sizeof(ulong)); // EAGAIN means the counter is already non-zero: still woken.
        }
        catch (ObjectDisposedException)
        {
            // Disposed concurrently: there is no waiter left to wake.
        }
        finally
        {
            if (added)
                _wake.DangerousRelease();
        }
    }

    /// <summary>
    /// Wakes every thread still waiting (they return 0), then closes both descriptors. Closing the eventfd
    /// first would strand a waiter: its wake-up would leave the ready list and epoll_wait would sleep on.
    /// </summary>
    public void Dispose()
    {
        _disposing = true;
        while (Volatile.Read(ref _waiters) > 0)
        {
            Interrupt();
            Thread.Yield();
        }
        _wake.Dispose();
        _epoll.Dispose();
    }

    private void DrainWake()
    {
        ulong value;
        using var lease = _wake.Borrow();
        Libc.Read(lease.Fd, &value, sizeof(ulong));
    }

    private void Control(int op, SafeFdHandle fd, EpollEvents events, ulong data)
    {
        ArgumentNullException.ThrowIfNull(fd);
        var entry = stackalloc byte[16];
        *(uint*)entry = (uint)events;
        *(ulong*)(entry + EpollEventLayout.DataOffset) = data;
        using var epoll = _epoll.Borrow();
        using var target = fd.Borrow();
        if (Libc.EpollCtl(epoll.Fd, op, target.Fd, entry) < 0)
            throw new BpfSyscallException("epoll_ctl", (Errno)Marshal.GetLastPInvokeError(), subject: $"fd {target.Fd}");
    }

    private static SafeFdHandle Check(int fd, string operation) =>
        fd >= 0 ? new SafeFdHandle(fd, ownsHandle: true) : throw new BpfSyscallException(operation, (Errno)Marshal.GetLastPInvokeError());
}
