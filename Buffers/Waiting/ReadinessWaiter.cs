using System.Threading.Tasks.Sources;
using ManagedBpf.Kernel;

namespace ManagedBpf.Buffers.Waiting;

/// <summary>
/// The one waiting loop of the readers and writers (<see cref="Ring.RingBufferSet"/>, <see cref="Perf.PerfBuffer"/>,
/// <see cref="Ring.UserRingBuffer"/>): an <see cref="EpollSet"/> over their descriptors plus a "ready" flag per
/// descriptor that the owner clears when it consumes and sets again when it stopped with work left.
/// </summary>
/// <remarks>
/// <para>
/// Descriptors are registered edge-triggered (<c>EPOLLET</c>). Level-triggered epoll would report a ring buffer again
/// and again while a record at the consumer position is still BUSY (the kernel's poll only checks
/// <c>producer_pos - consumer_pos &gt; 0</c>), so a waiting loop would spin until the producer commits. Edge-triggered,
/// epoll reports each wakeup once; what is left to do is remembered here instead, in the ready flags, which
/// <see cref="Wait"/> checks before it sleeps. The owner sets a flag again whenever it stops with records left
/// (a handler that stopped, a batch limit, an exception) or a BUSY record turned out committed after all.
/// </para>
/// <para>
/// One wait at a time: a set of rings has one consumer, as a <c>PipeReader</c> has one reader. The synchronous
/// <see cref="Wait"/> blocks the calling thread. <see cref="WaitAsync"/> never blocks a thread-pool thread: it asks
/// epoll without blocking first (a wakeup already pending completes it at once, on the calling thread), else hands
/// the wait to a dedicated background thread (started on the first asynchronous wait, one per waiter, ended by
/// <see cref="Dispose"/>) and completes a reusable <see cref="IValueTaskSource{TResult}"/>, so an asynchronous wait
/// allocates nothing but its cancellation registration. Cancellation and disposal wake the epoll wait through the
/// set's eventfd.
/// </para>
/// </remarks>
internal sealed class ReadinessWaiter : IDisposable, IValueTaskSource<bool>
{

    private readonly object _owner;
    private readonly EpollSet _epoll = new();
    private readonly Lock _registration = new();
    private ReadyFlag[] _ready = [];
    private int _count;
    private int _waiting;
    private int _disposed;

    // The asynchronous wait, handed to _thread.
    private readonly SemaphoreSlim _request = new(0);
    private ManualResetValueTaskSourceCore<bool> _completion = new() { RunContinuationsAsynchronously = true };
    private Thread? _thread;
    private bool _requested;
    private int _asyncTimeout;
    private CancellationToken _asyncToken;

    /// <summary>Creates an empty waiter.</summary>
    /// <param name="owner">Named in <see cref="ObjectDisposedException"/>s.</param>
    internal ReadinessWaiter(object owner) => _owner = owner;

    /// <summary>Registers <paramref name="fd"/> for <paramref name="events"/>; returns its index. It starts ready, so the first pass looks at it.</summary>
    internal int Add(SafeFdHandle fd, EpollEvents events)
    {
        lock (_registration)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, _owner);
            var index = _count;
            var ready = _ready;
            if (index == ready.Length)
            {
                // Flags are objects, so a concurrent Take or Mark on the old array still lands on the same flag.
                ready = new ReadyFlag[Math.Max(4, index * 2)];
                _ready.CopyTo(ready, 0);
            }
            ready[index] = new ReadyFlag { Value = 1 };
            Volatile.Write(ref _ready, ready); // before epoll can report the index
            _epoll.Add(fd, events | EpollEvents.EdgeTriggered, (ulong)index);
            Volatile.Write(ref _count, index + 1);
            return index;
        }
    }

    /// <summary>Clears the flag of source <paramref name="index"/> and says whether it was set.</summary>
    /// <remarks>
    /// A clear flag is only read, not exchanged: every consume pass takes every source's flag, and most are clear, so
    /// this saves an atomic per source per pass. A flag set concurrently after the read is seen by the next pass, as it
    /// would be had it been set just after an exchange.
    /// </remarks>
    internal bool TakeReady(int index)
    {
        ref var flag = ref Volatile.Read(ref _ready)[index].Value;
        return Volatile.Read(ref flag) != 0 && Interlocked.Exchange(ref flag, 0) != 0;
    }

    /// <summary>Sets the flag of source <paramref name="index"/>: the next wait returns at once.</summary>
    internal void MarkReady(int index) => Volatile.Write(ref Volatile.Read(ref _ready)[index].Value, 1);

    /// <summary>Whether any source is flagged.</summary>
    internal bool AnyReady()
    {
        var ready = Volatile.Read(ref _ready);
        var count = Volatile.Read(ref _count);
        for (var i = 0; i < count; i++)
        {
            if (Volatile.Read(ref ready[i].Value) != 0)
                return true;
        }
        return false;
    }

    /// <summary>
    /// Returns <see langword="true"/> once a source is ready (at once if one is flagged), <see langword="false"/> when
    /// <paramref name="timeoutMilliseconds"/> passes first.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The owner was disposed, also while waiting.</exception>
    /// <exception cref="InvalidOperationException">Another wait is in progress.</exception>
    internal bool Wait(int timeoutMilliseconds, CancellationToken cancellationToken)
    {
        CheckTimeout(timeoutMilliseconds);
        if (AnyReady())
            return true;
        EnterWait();
        try
        {
            return WaitCore(timeoutMilliseconds, cancellationToken);
        }
        finally
        {
            Volatile.Write(ref _waiting, 0);
        }
    }

    /// <summary>
    /// The asynchronous <see cref="Wait"/>: completes synchronously when a source is flagged or epoll already has a
    /// wakeup (a non-blocking <c>epoll_wait</c> on the calling thread), else on the background thread.
    /// </summary>
    internal ValueTask<bool> WaitAsync(int timeoutMilliseconds, CancellationToken cancellationToken)
    {
        CheckTimeout(timeoutMilliseconds);
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<bool>(cancellationToken);
        if (AnyReady())
            return new ValueTask<bool>(true);
        EnterWait();
        try
        {
            // Ask epoll without blocking first: a wakeup already pending (records produced while the consumer was busy)
            // is taken on this thread, instead of through the background thread and back, two thread switches later.
            var ready = WaitCore(0, CancellationToken.None);
            if (ready || timeoutMilliseconds == 0)
            {
                Volatile.Write(ref _waiting, 0);
                return new ValueTask<bool>(ready);
            }
            _completion.Reset();
            (_asyncTimeout, _asyncToken, _requested) = (timeoutMilliseconds, cancellationToken, true);
            if (_thread is null)
            {
                _thread = new Thread(WaitLoop) { IsBackground = true, Name = "ManagedBpf epoll wait" };
                _thread.Start();
            }
            _request.Release();
        }
        catch
        {
            Volatile.Write(ref _waiting, 0);
            throw;
        }
        return new ValueTask<bool>(this, _completion.Version);
    }

    /// <summary>
    /// Wakes and fails any wait with <see cref="ObjectDisposedException"/>, waits until it has left, stops the
    /// background thread and closes the epoll set.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        // The eventfd stays signalled until a waiter drains it, so a waiter about to sleep wakes too; repeat in case
        // it drained an earlier wakeup.
        while (Volatile.Read(ref _waiting) != 0)
        {
            _epoll.Interrupt();
            Thread.Sleep(1);
        }
        if (_thread is not null)
        {
            _request.Release();
            if (_thread != Thread.CurrentThread)
                _thread.Join();
        }
        _epoll.Dispose();
        _request.Dispose();
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _completion.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _completion.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _completion.OnCompleted(continuation, state, token, flags);

    private void EnterWait()
    {
        if (Interlocked.CompareExchange(ref _waiting, 1, 0) != 0)
            throw new InvalidOperationException("Another wait on this reader is in progress: a reader has one consumer, which waits, then consumes.");
        // Dispose sets _disposed, then waits for _waiting to clear: checking after setting _waiting closes the race.
        if (Volatile.Read(ref _disposed) != 0)
        {
            Volatile.Write(ref _waiting, 0);
            throw new ObjectDisposedException(_owner.GetType().FullName);
        }
    }

    private bool WaitCore(int timeoutMilliseconds, CancellationToken cancellationToken)
    {
        Span<EpollReady> events = stackalloc EpollReady[16];
        var deadline = timeoutMilliseconds < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMilliseconds;
        while (true)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, _owner);
            if (AnyReady())
                return true;
            var remaining = timeoutMilliseconds < 0 ? -1 : (int)Math.Max(0, deadline - Environment.TickCount64);
            var count = _epoll.Wait(events, remaining, cancellationToken);
            for (var i = 0; i < count; i++)
                MarkReady((int)events[i].Data);
            if (count > 0)
                return true;
            if (remaining == 0)
                return false;
            // Woken with nothing ready: disposal (checked above) or an interrupt left over from a cancelled wait.
        }
    }

    private void WaitLoop()
    {
        while (true)
        {
            _request.Wait();
            if (!_requested)
                return; // Dispose.
            _requested = false;
            bool result;
            try
            {
                result = WaitCore(_asyncTimeout, _asyncToken);
            }
            catch (Exception e)
            {
                _asyncToken = default;
                Volatile.Write(ref _waiting, 0);
                _completion.SetException(e);
                continue;
            }
            _asyncToken = default;
            Volatile.Write(ref _waiting, 0);
            _completion.SetResult(result);
        }
    }

    /// <summary>One source's flag: 1 when it may have work the owner has not done yet.</summary>
    private sealed class ReadyFlag
    {
        internal int Value;
    }

    private static void CheckTimeout(int timeoutMilliseconds)
    {
        if (timeoutMilliseconds < -1)
            throw new ArgumentOutOfRangeException(nameof(timeoutMilliseconds), timeoutMilliseconds, "The timeout is -1 (wait forever) or a number of milliseconds, 0 to poll.");
    }
}
