using System.Runtime.CompilerServices;
using ManagedBpf.Buffers.Waiting;
using ManagedBpf.Kernel;
using ManagedBpf.Maps;

namespace ManagedBpf.Buffers.Ring;

/// <summary>
/// Many ring buffers behind one epoll set, as libbpf's <c>ring_buffer</c>: wait until any has records, then consume
/// the ready ones (<see cref="Poll{THandler}(ref THandler, int, RingCommitPolicy, CancellationToken)"/>), or consume
/// them all regardless of readiness (<see cref="ConsumeAll{THandler}(ref THandler, RingCommitPolicy)"/>). Each ring is
/// also consumable alone through its <see cref="RingBuffer"/>.
/// </summary>
/// <remarks>
/// <para>
/// Wake-ups: the kernel wakes a waiting consumer when a record is committed at the position the consumer reached
/// (adaptive notification), or always with <c>BPF_RB_FORCE_WAKEUP</c>, or never with <c>BPF_RB_NO_WAKEUP</c>. Records
/// produced with <c>BPF_RB_NO_WAKEUP</c> wake nobody, so call <see cref="ConsumeAll{THandler}(ref THandler, RingCommitPolicy)"/>
/// (the flush) on a timer or before shutting down. A record still BUSY does not make the waiting loop spin: the
/// wait sleeps until its producer commits it.
/// </para>
/// <para>
/// One consumer: waits and consumption happen on one thread at a time (a second concurrent wait throws). The
/// synchronous waits block the calling thread; the asynchronous ones (<see cref="WaitAsync"/>,
/// <see cref="ReadAllAsync(CancellationToken)"/>) run the epoll wait on one dedicated background thread per set and
/// never block the thread pool. The asynchronous streams (<see cref="ReadAllAsync{T}(CancellationToken)"/> and the
/// others) are one consumer too: enumerate one at a time. Disposing the set wakes any wait with <see cref="ObjectDisposedException"/> and
/// disposes the rings it owns.
/// </para>
/// </remarks>
public sealed class RingBufferSet : IDisposable, IRecordBatchSource
{
    private readonly ReadinessWaiter _waiter;
    private readonly Lock _membership = new();
    private readonly PendingRecords _pending = new();
    private Member[] _members = [];
    private int _next; // where a pass starts: after the ring a handler last stopped in, so no ring starves
    private int _disposed;

    /// <summary>Creates an empty set.</summary>
    /// <exception cref="BpfSyscallException">epoll_create1 or eventfd failed.</exception>
    public RingBufferSet() => _waiter = new ReadinessWaiter(this);

    /// <summary>The number of rings.</summary>
    public int Count => Volatile.Read(ref _members).Length;

    /// <summary>The ring at <paramref name="index"/> (in the order they were added).</summary>
    /// <param name="index">From 0 to <see cref="Count"/> - 1.</param>
    public RingBuffer this[int index] => Volatile.Read(ref _members)[index].Ring;

    ReadinessWaiter IRecordBatchSource.Waiter => _waiter;

    PendingRecords IRecordBatchSource.Pending => _pending;

    /// <summary>Adds <paramref name="ring"/>; the set owns it from now on and disposes it with itself.</summary>
    /// <param name="ring">The ring.</param>
    /// <param name="callback">The callback that <see cref="Poll(int, RingCommitPolicy, CancellationToken)"/> and the other
    /// callback overloads deliver this ring's records to, or <see langword="null"/> when only handlers are used.</param>
    /// <returns>The ring's index.</returns>
    /// <exception cref="InvalidOperationException">The ring, or another reader over the same descriptor, is already in the set.</exception>
    /// <exception cref="BpfSyscallException">epoll_ctl failed.</exception>
    public int Add(RingBuffer ring, RingRecordCallback? callback = null)
    {
        ArgumentNullException.ThrowIfNull(ring);
        lock (_membership)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            if (Array.Exists(_members, m => m.Ring == ring || m.Ring.Handle.Fd == ring.Handle.Fd))
                throw new InvalidOperationException(Invariant.Format($"{ring} (descriptor {ring.Handle.Fd}) is already in this set: a ring has one consumer."));
            var index = _waiter.Add(ring.Handle, EpollEvents.In);
            if (index != _members.Length)
                throw new InvalidOperationException("The set's waiter and members disagree.");
            Volatile.Write(ref _members, [.. _members, new Member(ring, callback)]);
            return index;
        }
    }

    /// <summary>Maps the ring buffer <paramref name="map"/> and adds it (the set owns the reader; the map stays the caller's).</summary>
    /// <param name="map">A <c>BPF_MAP_TYPE_RINGBUF</c> map.</param>
    /// <param name="callback">See <see cref="Add(RingBuffer, RingRecordCallback?)"/>.</param>
    /// <returns>The ring's index.</returns>
    /// <exception cref="ArgumentException">The map is of another type.</exception>
    /// <exception cref="BpfSyscallException">mmap or epoll_ctl failed.</exception>
    public int Add(Map map, RingRecordCallback? callback = null)
    {
        var ring = new RingBuffer(map);
        try
        {
            return Add(ring, callback);
        }
        catch
        {
            ring.Dispose();
            throw;
        }
    }

    /// <summary>Waits until a ring has records (returns at once if one was left with records by an earlier consume).</summary>
    /// <param name="timeoutMilliseconds">-1 waits forever; 0 polls.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>
    /// <see langword="true"/> when a ring may have records, <see langword="false"/> on timeout. A wakeup can find
    /// nothing (records already consumed, or a wakeup left from before the last consume), so consume and wait again.
    /// </returns>
    /// <exception cref="ObjectDisposedException">The set was disposed, also while waiting.</exception>
    /// <exception cref="InvalidOperationException">Another wait is in progress.</exception>
    public bool Wait(int timeoutMilliseconds = -1, CancellationToken cancellationToken = default) =>
        _waiter.Wait(timeoutMilliseconds, cancellationToken);

    /// <summary>The asynchronous <see cref="Wait"/>; it never blocks a thread-pool thread.</summary>
    /// <param name="timeoutMilliseconds">-1 waits forever; 0 polls.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns><see langword="true"/> when a ring may have records, <see langword="false"/> on timeout.</returns>
    public ValueTask<bool> WaitAsync(int timeoutMilliseconds = -1, CancellationToken cancellationToken = default) =>
        _waiter.WaitAsync(timeoutMilliseconds, cancellationToken);

    /// <summary>Consumes the rings that are ready, delivering every record to <paramref name="handler"/>.</summary>
    /// <typeparam name="THandler">A struct handler, shared by all rings.</typeparam>
    /// <param name="handler">Receives each payload; when it returns <see langword="false"/> the remaining rings are left for the next call.</param>
    /// <param name="commit">When to publish <c>consumer_pos</c>.</param>
    /// <returns>The sum over the rings consumed.</returns>
    /// <exception cref="RingCorruptedException">A ring's contents break the ABI.</exception>
    public RingConsumeResult ConsumeReady<THandler>(ref THandler handler, RingCommitPolicy commit = RingCommitPolicy.PerRecord)
        where THandler : struct, IRingRecordHandler =>
        ConsumeRings(ref handler, readyOnly: true, commit);

    /// <summary>Consumes the rings that are ready, delivering each ring's records to its callback.</summary>
    /// <param name="commit">When to publish <c>consumer_pos</c>.</param>
    /// <returns>The sum over the rings consumed.</returns>
    /// <exception cref="InvalidOperationException">A ready ring was added without a callback.</exception>
    /// <exception cref="RingCorruptedException">A ring's contents break the ABI.</exception>
    public RingConsumeResult ConsumeReady(RingCommitPolicy commit = RingCommitPolicy.PerRecord) => ConsumeRings(readyOnly: true, commit);

    /// <summary>
    /// Consumes every ring whether or not it is ready: the flush that picks up records produced with
    /// <c>BPF_RB_NO_WAKEUP</c>, which wake nobody.
    /// </summary>
    /// <typeparam name="THandler">A struct handler, shared by all rings.</typeparam>
    /// <param name="handler">Receives each payload.</param>
    /// <param name="commit">When to publish <c>consumer_pos</c>.</param>
    /// <returns>The sum over the rings.</returns>
    /// <exception cref="RingCorruptedException">A ring's contents break the ABI.</exception>
    public RingConsumeResult ConsumeAll<THandler>(ref THandler handler, RingCommitPolicy commit = RingCommitPolicy.PerRecord)
        where THandler : struct, IRingRecordHandler =>
        ConsumeRings(ref handler, readyOnly: false, commit);

    /// <summary>Consumes every ring whether or not it is ready, delivering each ring's records to its callback.</summary>
    /// <param name="commit">When to publish <c>consumer_pos</c>.</param>
    /// <returns>The sum over the rings.</returns>
    /// <exception cref="InvalidOperationException">A ring was added without a callback.</exception>
    /// <exception cref="RingCorruptedException">A ring's contents break the ABI.</exception>
    public RingConsumeResult ConsumeAll(RingCommitPolicy commit = RingCommitPolicy.PerRecord) => ConsumeRings(readyOnly: false, commit);

    /// <summary>Waits until a ring is ready (or the timeout passes), then consumes the ready rings into <paramref name="handler"/>.</summary>
    /// <typeparam name="THandler">A struct handler, shared by all rings.</typeparam>
    /// <param name="handler">Receives each payload.</param>
    /// <param name="timeoutMilliseconds">-1 waits forever; 0 polls.</param>
    /// <param name="commit">When to publish <c>consumer_pos</c>.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The sum over the rings consumed (no records on timeout).</returns>
    public RingConsumeResult Poll<THandler>(ref THandler handler, int timeoutMilliseconds = -1, RingCommitPolicy commit = RingCommitPolicy.PerRecord, CancellationToken cancellationToken = default)
        where THandler : struct, IRingRecordHandler =>
        Wait(timeoutMilliseconds, cancellationToken) ? ConsumeReady(ref handler, commit) : default;

    /// <summary>Waits until a ring is ready (or the timeout passes), then consumes the ready rings into their callbacks.</summary>
    /// <param name="timeoutMilliseconds">-1 waits forever; 0 polls.</param>
    /// <param name="commit">When to publish <c>consumer_pos</c>.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The sum over the rings consumed (no records on timeout).</returns>
    public RingConsumeResult Poll(int timeoutMilliseconds = -1, RingCommitPolicy commit = RingCommitPolicy.PerRecord, CancellationToken cancellationToken = default) =>
        Wait(timeoutMilliseconds, cancellationToken) ? ConsumeReady(commit) : default;

    /// <summary>Streams copies of the records of every ring, waiting asynchronously whenever all are drained.</summary>
    /// <param name="cancellationToken">Ends the stream with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The payloads, each in an array of its own, in order within each ring.</returns>
    /// <remarks>
    /// <para>
    /// The array per record is this stream's contract; <see cref="ReadAllAsync{T}(CancellationToken)"/>,
    /// <see cref="ReadAllVariableAsync{THeader}(CancellationToken)"/> and <see cref="ReadAllLeasedAsync"/> allocate
    /// nothing per record.
    /// </para>
    /// <para>
    /// All the streams work alike. Records are copied out of the rings, up to a thousand (or a megabyte) at a time, into
    /// a buffer the set keeps and reuses (it grows to the largest such batch, or the largest record, and stays for the
    /// set's life), and yielded one by one; when none are left the stream waits for the rings
    /// asynchronously. Records a stream has taken out of the rings but not yielded when it ends (a <c>break</c>) stay
    /// with the set and come first in the next stream, of whichever kind; the synchronous consume methods do not see
    /// them. Cancelling <paramref name="cancellationToken"/> (or the token of <c>WithCancellation</c>) ends the stream
    /// with <see cref="OperationCanceledException"/>, as <c>ChannelReader.ReadAllAsync</c> does: catch it with
    /// <c>catch (OperationCanceledException) when (token.IsCancellationRequested)</c>.
    /// </para>
    /// </remarks>
    /// <exception cref="OperationCanceledException">(From the enumeration.) The token was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">(From the enumeration.) The set was disposed, also while the stream waited.</exception>
    /// <exception cref="InvalidOperationException">(From the enumeration.) Another wait on the set is in progress.</exception>
    /// <exception cref="RingCorruptedException">(From the enumeration.) A ring's contents break the ABI.</exception>
    public IAsyncEnumerable<byte[]> ReadAllAsync(CancellationToken cancellationToken = default) =>
        RecordStream.ReadAllAsync(this, null, null, cancellationToken);

    /// <summary>
    /// Streams the records of every ring read as <typeparamref name="T"/>, straight from the set's reused buffer:
    /// nothing is allocated per record.
    /// </summary>
    /// <typeparam name="T">The record's C layout as an unmanaged struct (host byte order).</typeparam>
    /// <param name="cancellationToken">Ends the stream with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The records, in order within each ring.</returns>
    /// <remarks>
    /// <para>
    /// A record longer than <typeparamref name="T"/> has its first <c>sizeof(T)</c> bytes read. A record shorter than
    /// <typeparamref name="T"/> is not an error: the bytes it lacks read as zeros (<see cref="TypedRecord.Read{T}(ReadOnlySpan{byte})"/>),
    /// and it counts in <see cref="BufferMetrics.ShortName"/>. For records of variable length (a fixed part, then
    /// bytes whose count the record carries), <see cref="ReadAllVariableAsync{THeader}(CancellationToken)"/> gives the
    /// bytes after the fixed part as well.
    /// </para>
    /// <para>Otherwise as <see cref="ReadAllAsync(CancellationToken)"/>, sharing its pending records.</para>
    /// </remarks>
    /// <exception cref="OperationCanceledException">(From the enumeration.) The token was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">(From the enumeration.) The set was disposed, also while the stream waited.</exception>
    /// <exception cref="InvalidOperationException">(From the enumeration.) Another wait on the set is in progress.</exception>
    /// <exception cref="RingCorruptedException">(From the enumeration.) A ring's contents break the ABI.</exception>
    public IAsyncEnumerable<T> ReadAllAsync<T>(CancellationToken cancellationToken = default)
        where T : unmanaged =>
        RecordStream.ReadAllAsync<T>(this, null, null, cancellationToken);

    /// <summary>
    /// Streams the records of every ring as a fixed part read as <typeparamref name="THeader"/> and the bytes after
    /// it, from <c>sizeof(THeader)</c> on (execsnoop: the event's fields, then its argument bytes). Nothing is
    /// allocated per record.
    /// </summary>
    /// <typeparam name="THeader">The C layout of the record's fixed part.</typeparam>
    /// <param name="cancellationToken">Ends the stream with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The records, in order within each ring. Each one's <see cref="VariableRecord{THeader}.Tail"/> is valid until the stream is advanced.</returns>
    /// <remarks>As <see cref="ReadAllVariableAsync{THeader}(int, CancellationToken)"/> with the tail at <c>sizeof(THeader)</c>.</remarks>
    /// <exception cref="OperationCanceledException">(From the enumeration.) The token was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">(From the enumeration.) The set was disposed, also while the stream waited.</exception>
    /// <exception cref="InvalidOperationException">(From the enumeration.) Another wait on the set is in progress.</exception>
    /// <exception cref="RingCorruptedException">(From the enumeration.) A ring's contents break the ABI.</exception>
    public IAsyncEnumerable<VariableRecord<THeader>> ReadAllVariableAsync<THeader>(CancellationToken cancellationToken = default)
        where THeader : unmanaged =>
        RecordStream.ReadAllVariableAsync<THeader>(this, -1, null, null, cancellationToken);

    /// <summary>
    /// Streams the records of every ring as a fixed part read as <typeparamref name="THeader"/> and the bytes from
    /// <paramref name="tailOffset"/> on. Nothing is allocated per record.
    /// </summary>
    /// <typeparam name="THeader">The C layout of the record's fixed part.</typeparam>
    /// <param name="tailOffset">
    /// Where the variable part starts: the C <c>offsetof</c> of the struct's last, variable member, when it differs from
    /// <c>sizeof(THeader)</c> (a C# struct's size is rounded up to its alignment; C's offset of a trailing <c>char[]</c> is not).
    /// </param>
    /// <param name="cancellationToken">Ends the stream with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The records, in order within each ring.</returns>
    /// <remarks>
    /// <para>
    /// <see cref="VariableRecord{THeader}.Tail"/> points into the set's reused buffer and is valid until the stream's
    /// enumerator is advanced (the next iteration of <c>await foreach</c>) or disposed, as a <c>PipeReader</c>'s buffer
    /// is until <c>AdvanceTo</c>: copy what must outlive the iteration.
    /// </para>
    /// <para>
    /// A record that ends before <paramref name="tailOffset"/> is not an error: the header bytes it lacks read as
    /// zeros, its tail is empty, and it counts in <see cref="BufferMetrics.ShortName"/>. Otherwise as
    /// <see cref="ReadAllAsync(CancellationToken)"/>, sharing its pending records.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tailOffset"/> is negative.</exception>
    /// <exception cref="OperationCanceledException">(From the enumeration.) The token was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">(From the enumeration.) The set was disposed, also while the stream waited.</exception>
    /// <exception cref="InvalidOperationException">(From the enumeration.) Another wait on the set is in progress.</exception>
    /// <exception cref="RingCorruptedException">(From the enumeration.) A ring's contents break the ABI.</exception>
    public IAsyncEnumerable<VariableRecord<THeader>> ReadAllVariableAsync<THeader>(int tailOffset, CancellationToken cancellationToken = default)
        where THeader : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tailOffset);
        return RecordStream.ReadAllVariableAsync<THeader>(this, tailOffset, null, null, cancellationToken);
    }

    /// <summary>
    /// Streams the records of every ring as memory lent from the set's reused buffer, valid until the stream is
    /// advanced: the <c>byte[]</c> stream without an array per record.
    /// </summary>
    /// <param name="cancellationToken">Ends the stream with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The payloads, in order within each ring.</returns>
    /// <remarks>
    /// Each payload is valid until the stream's enumerator is advanced (the next iteration of <c>await foreach</c>) or
    /// disposed, as a <c>PipeReader</c>'s buffer is until <c>AdvanceTo</c>: copy what must outlive the iteration
    /// (<c>ToArray()</c>, or into a buffer of one's own). Otherwise as <see cref="ReadAllAsync(CancellationToken)"/>,
    /// sharing its pending records.
    /// </remarks>
    /// <exception cref="OperationCanceledException">(From the enumeration.) The token was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">(From the enumeration.) The set was disposed, also while the stream waited.</exception>
    /// <exception cref="InvalidOperationException">(From the enumeration.) Another wait on the set is in progress.</exception>
    /// <exception cref="RingCorruptedException">(From the enumeration.) A ring's contents break the ABI.</exception>
    public IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAllLeasedAsync(CancellationToken cancellationToken = default) =>
        RecordStream.ReadAllLeasedAsync(this, null, null, cancellationToken);

    void IRecordBatchSource.ReadReady(ref RecordCollector collector) => ConsumeReady(ref collector);

    KeyValuePair<string, object?>[] IRecordBatchSource.MetricTags(int source) => Volatile.Read(ref _members)[source].Ring.MetricTags;

    /// <summary>Wakes any wait (it throws <see cref="ObjectDisposedException"/>), closes the epoll set and disposes the rings.</summary>
    public void Dispose()
    {
        lock (_membership)
        {
            if (_disposed != 0)
                return;
            _disposed = 1;
        }
        _waiter.Dispose();
        foreach (var member in _members)
            member.Ring.Dispose();
    }

    private RingConsumeResult ConsumeRings<THandler>(ref THandler handler, bool readyOnly, RingCommitPolicy commit)
        where THandler : struct, IRingRecordHandler
    {
        var members = Volatile.Read(ref _members);
        var totals = default(RingConsumeTotals);
        var first = Volatile.Read(ref _next); // once per pass: a concurrent pass moving it must not make this one skip or repeat a ring
        for (var n = 0; n < members.Length; n++)
        {
            var i = (first + n) % members.Length;
            if (typeof(THandler) == typeof(RecordCollector))
                Unsafe.As<THandler, RecordCollector>(ref handler).Source = i; // the streams' pending records say where each came from
            if (Due(i, readyOnly) && ConsumeOne(members[i].Ring, i, ref handler, commit, ref totals))
                break;
        }
        return totals.ToResult();
    }

    private RingConsumeResult ConsumeRings(bool readyOnly, RingCommitPolicy commit)
    {
        var members = Volatile.Read(ref _members);
        var totals = default(RingConsumeTotals);
        var first = Volatile.Read(ref _next); // once per pass: a concurrent pass moving it must not make this one skip or repeat a ring
        for (var n = 0; n < members.Length; n++)
        {
            var i = (first + n) % members.Length;
            var handler = new RingConsumer.CallbackHandler(members[i].Callback ?? throw new InvalidOperationException(Invariant.Format(
                $"Ring {i} ({members[i].Ring}) was added without a callback: pass one to Add, or consume with a handler.")));
            if (Due(i, readyOnly) && ConsumeOne(members[i].Ring, i, ref handler, commit, ref totals))
                break;
        }
        return totals.ToResult();
    }

    /// <summary>Whether ring <paramref name="index"/> is consumed in this pass. Its flag is cleared either way: it is about to be drained.</summary>
    private bool Due(int index, bool readyOnly) => _waiter.TakeReady(index) || !readyOnly;

    /// <summary>Drains one ring and flags it ready again if it still has records; returns whether the handler stopped.</summary>
    private bool ConsumeOne<THandler>(RingBuffer ring, int index, ref THandler handler, RingCommitPolicy commit, ref RingConsumeTotals totals)
        where THandler : struct, IRingRecordHandler
    {
        var more = true; // also when the drain throws: the ring is looked at again
        try
        {
            var result = ring.Consume(ref handler, commit);
            totals.Add(result);
            more = result.StopReason switch
            {
                RingStopReason.Empty => false,
                RingStopReason.Busy => ring.HasCommittedRecord(),
                _ => true,
            };
            if (result.StopReason != RingStopReason.HandlerStopped)
                return false;
            Volatile.Write(ref _next, index + 1);
            return true;
        }
        finally
        {
            if (more)
                _waiter.MarkReady(index);
        }
    }

    private readonly record struct Member(RingBuffer Ring, RingRecordCallback? Callback);
}
