using System.Numerics;
using ManagedBpf.Buffers.Waiting;
using ManagedBpf.Kernel;
using ManagedBpf.Maps;

namespace ManagedBpf.Buffers.Perf;

/// <summary>
/// The reader of a <c>BPF_MAP_TYPE_PERF_EVENT_ARRAY</c>, as libbpf's <c>perf_buffer</c>: on every online CPU a
/// <c>PERF_COUNT_SW_BPF_OUTPUT</c> event with its own ring, stored in the map at key = CPU id, so that
/// <c>bpf_perf_event_output(ctx, map, BPF_F_CURRENT_CPU, ...)</c> lands in the ring of the CPU the program runs on.
/// Records are parsed by <see cref="PerfConsumer"/>, with its guard against samples of 64 KiB and more.
/// </summary>
/// <remarks>
/// <para>
/// CPU ids can have gaps. A possible CPU that is offline when the buffer is created (or goes offline while it is, so
/// that perf_event_open says ENODEV) gets no ring and is listed in <see cref="SkippedCpus"/>; a program running there
/// after it comes online gets ENOENT from the helper. The map needs a slot per CPU id: create it with
/// <c>max_entries</c> 0 (one per possible CPU).
/// </para>
/// <para>
/// Samples reach a struct handler as <see cref="PerfSample"/> (zero-copy, two segments when the body wraps around the
/// ring); the callback overloads copy a wrapped body into a pooled buffer. Lost counts go to the handler's
/// <see cref="IPerfRecordHandler.OnLost"/> (or the lost callback) and to <see cref="Totals"/>; <c>data_tail</c> is
/// published once per CPU per read.
/// </para>
/// <para>
/// Reads are serialised (a handler must not read the same buffer). Waiting works as in <see cref="Ring.RingBufferSet"/>
/// (the same code): one consumer, synchronous waits block the caller, asynchronous ones use one dedicated background
/// thread. The asynchronous streams (<see cref="ReadAllAsync{T}(PerfLostCallback?, PerfCorruptionCallback?, CancellationToken)"/>
/// and the others) are one consumer too: enumerate one at a time. Disposing deletes the map slots, closes the events
/// and unmaps the rings, once any read in progress has finished.
/// </para>
/// </remarks>
public sealed class PerfBuffer : IDisposable, IRecordBatchSource
{
    private readonly BufferMap _map;
    private readonly PerfCpuRing[] _rings;
    private readonly MappingReferences _mappings; // one reference per read for every ring, not a lease per ring
    private readonly ReadinessWaiter _waiter;
    private readonly Lock _read = new();
    private readonly PendingRecords _pending = new();
    private int _next;
    private PerfReadCounters _totals;
    private ulong _totalConsumed;
    private int _disposed;

    /// <summary>Opens a ring on every online CPU for the perf event array <paramref name="map"/> (the map stays the caller's; its descriptor is held open until this reader is disposed).</summary>
    /// <param name="map">A <c>BPF_MAP_TYPE_PERF_EVENT_ARRAY</c> map.</param>
    /// <param name="options">Ring size, sample layout and wakeup; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException">The map is of another type, or has no slot for an online CPU.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option breaks the kernel's rules (the message states the rule).</exception>
    /// <exception cref="BpfSyscallException">perf_event_open, mmap, ioctl or the map update failed.</exception>
    public PerfBuffer(Map map, PerfBufferOptions? options = null)
        : this(BufferMap.Borrow(map, BpfMapType.PERF_EVENT_ARRAY, nameof(PerfBuffer)), options)
    {
    }

    /// <summary>Opens a ring on every online CPU for the perf event array whose descriptor is <paramref name="mapFd"/>.</summary>
    /// <param name="mapFd">A descriptor of a <c>BPF_MAP_TYPE_PERF_EVENT_ARRAY</c> map; it stays the caller's.</param>
    /// <param name="options">Ring size, sample layout and wakeup; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException">The map is of another type, or has no slot for an online CPU.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option breaks the kernel's rules.</exception>
    /// <exception cref="BpfSyscallException">perf_event_open, mmap, ioctl or the map update failed.</exception>
    public PerfBuffer(SafeFdHandle mapFd, PerfBufferOptions? options = null)
        : this(BufferMap.Borrow(mapFd, BpfMapType.PERF_EVENT_ARRAY, nameof(PerfBuffer)), options)
    {
    }

    private PerfBuffer(BufferMap map, PerfBufferOptions? options)
    {
        options ??= new PerfBufferOptions();
        var rings = new List<PerfCpuRing>();
        var skipped = new List<int>();
        ReadinessWaiter? waiter = null;
        try
        {
            Check(options, map);
            waiter = new ReadinessWaiter(this);
            var online = new HashSet<int>(KernelInfo.OnlineCpus());
            foreach (var cpu in KernelInfo.PossibleCpus)
            {
                if (!online.Contains(cpu))
                {
                    skipped.Add(cpu);
                    continue;
                }
                if ((uint)cpu >= map.MaxEntries)
                    throw new ArgumentException(Invariant.Format(
                        $"Map '{map.Name}' has {map.MaxEntries} slots but CPU {cpu} is online: a perf event array needs a slot per CPU id (create it with max_entries 0 for one per possible CPU)."), nameof(map));
                var ring = PerfCpuRing.Open(cpu, options, map);
                if (ring is null)
                {
                    skipped.Add(cpu); // went offline since the list was read (ENODEV)
                    continue;
                }
                rings.Add(ring);
                waiter.Add(ring.Event, EpollEvents.In);
                map.SetDescriptor((uint)cpu, ring.Event);
            }
        }
        catch
        {
            foreach (var ring in rings)
            {
                map.Delete((uint)ring.Cpu);
                ring.Dispose();
                ring.Mapping.Dispose();
            }
            waiter?.Dispose();
            map.Dispose();
            throw;
        }
        _map = map;
        _rings = [.. rings];
        _waiter = waiter;
        Layout = options.Layout;
        PageCount = options.PageCount;
        Cpus = [.. rings.Select(r => r.Cpu)];
        SkippedCpus = [.. skipped];
        _mappings = new MappingReferences([.. rings.Select(r => r.Mapping)], ToString());
    }

    /// <summary>Opens the perf event array pinned at <paramref name="path"/> and a ring on every online CPU.</summary>
    /// <param name="path">A path on a bpffs.</param>
    /// <param name="options">Ring size, sample layout and wakeup; <see langword="null"/> for the defaults.</param>
    /// <returns>The buffer; it closes the pinned map's descriptor when disposed.</returns>
    public static PerfBuffer OpenPinned(string path, PerfBufferOptions? options = null) =>
        new(BufferMap.OpenPinned(path, BpfMapType.PERF_EVENT_ARRAY, nameof(PerfBuffer)), options);

    /// <summary>The map's name.</summary>
    public string Name => _map.Name;

    /// <summary>The CPUs that have a ring, ascending; ring <c>i</c> belongs to <c>Cpus[i]</c>.</summary>
    public IReadOnlyList<int> Cpus { get; }

    /// <summary>The possible CPUs that have no ring because they were offline when the buffer was created (the note libbpf logs).</summary>
    public IReadOnlyList<int> SkippedCpus { get; }

    /// <summary>The sample layout of the events.</summary>
    public PerfSampleLayout Layout { get; }

    /// <summary>Data pages per CPU ring.</summary>
    public int PageCount { get; }

    /// <summary>The data size of each CPU ring in bytes.</summary>
    public ulong DataSize => (ulong)PageCount * (ulong)KernelInfo.PageSize;

    /// <summary>
    /// The fullest CPU ring's unread bytes (<c>data_head - data_tail</c>, headers included): with <see cref="DataSize"/>,
    /// how close the kernel is to losing samples.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The buffer was disposed.</exception>
    public ulong MaxAvailableBytes
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this); // a read in progress keeps the rings mapped
            ulong fullest = 0;
            foreach (var ring in _rings)
                fullest = Math.Max(fullest, ring.AvailableBytes);
            return fullest;
        }
    }

    /// <summary>Everything read so far, summed over the CPUs (not <see cref="PerfReadResult.Stopped"/>).</summary>
    public PerfReadResult Totals
    {
        get
        {
            lock (_read)
                return PerfReadTotals.ToResult(_totals, _totalConsumed, stopped: false);
        }
    }

    /// <summary>Whether the rings were unmapped (tests check when).</summary>
    internal bool Unmapped => _mappings.Unmapped;

    ReadinessWaiter IRecordBatchSource.Waiter => _waiter;

    PendingRecords IRecordBatchSource.Pending => _pending;

    /// <summary>Reads every CPU's ring, ready or not, into <paramref name="handler"/>: the flush.</summary>
    /// <typeparam name="THandler">A struct handler; the reader is specialised for it.</typeparam>
    /// <param name="handler">Receives samples, lost counts and corruption reports.</param>
    /// <returns>The sum over the CPUs read; when the handler stops, the rest is left for the next call.</returns>
    public PerfReadResult ConsumeAll<THandler>(ref THandler handler)
        where THandler : struct, IPerfRecordHandler =>
        ReadRings(ref handler, readyOnly: false, onlyCpu: -1);

    /// <summary>Reads every CPU's ring, ready or not, delivering each sample as one span.</summary>
    /// <param name="onSample">Receives each sample; a wrapped body is copied into a pooled buffer first.</param>
    /// <param name="onLost">Receives lost counts, or <see langword="null"/>.</param>
    /// <param name="onCorruption">Receives corruption reports, or <see langword="null"/>.</param>
    /// <returns>The sum over the CPUs.</returns>
    public PerfReadResult ConsumeAll(PerfSampleCallback onSample, PerfLostCallback? onLost = null, PerfCorruptionCallback? onCorruption = null) =>
        ReadRings(onSample, onLost, onCorruption, readyOnly: false, onlyCpu: -1);

    /// <summary>Reads the rings that are ready into <paramref name="handler"/>.</summary>
    /// <typeparam name="THandler">A struct handler; the reader is specialised for it.</typeparam>
    /// <param name="handler">Receives samples, lost counts and corruption reports.</param>
    /// <returns>The sum over the CPUs read.</returns>
    public PerfReadResult ConsumeReady<THandler>(ref THandler handler)
        where THandler : struct, IPerfRecordHandler =>
        ReadRings(ref handler, readyOnly: true, onlyCpu: -1);

    /// <summary>Reads the rings that are ready, delivering each sample as one span.</summary>
    /// <param name="onSample">Receives each sample; a wrapped body is copied into a pooled buffer first.</param>
    /// <param name="onLost">Receives lost counts, or <see langword="null"/>.</param>
    /// <param name="onCorruption">Receives corruption reports, or <see langword="null"/>.</param>
    /// <returns>The sum over the CPUs read.</returns>
    public PerfReadResult ConsumeReady(PerfSampleCallback onSample, PerfLostCallback? onLost = null, PerfCorruptionCallback? onCorruption = null) =>
        ReadRings(onSample, onLost, onCorruption, readyOnly: true, onlyCpu: -1);

    /// <summary>Reads the ring of CPU <paramref name="cpu"/>, ready or not.</summary>
    /// <typeparam name="THandler">A struct handler; the reader is specialised for it.</typeparam>
    /// <param name="cpu">A CPU id from <see cref="Cpus"/>.</param>
    /// <param name="handler">Receives samples, lost counts and corruption reports.</param>
    /// <returns>What the read did.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The CPU has no ring.</exception>
    public PerfReadResult ConsumeCpu<THandler>(int cpu, ref THandler handler)
        where THandler : struct, IPerfRecordHandler =>
        ReadRings(ref handler, readyOnly: false, onlyCpu: IndexOf(cpu));

    /// <summary>Reads the ring of CPU <paramref name="cpu"/>, ready or not, delivering each sample as one span.</summary>
    /// <param name="cpu">A CPU id from <see cref="Cpus"/>.</param>
    /// <param name="onSample">Receives each sample.</param>
    /// <param name="onLost">Receives lost counts, or <see langword="null"/>.</param>
    /// <param name="onCorruption">Receives corruption reports, or <see langword="null"/>.</param>
    /// <returns>What the read did.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The CPU has no ring.</exception>
    public PerfReadResult ConsumeCpu(int cpu, PerfSampleCallback onSample, PerfLostCallback? onLost = null, PerfCorruptionCallback? onCorruption = null) =>
        ReadRings(onSample, onLost, onCorruption, readyOnly: false, onlyCpu: IndexOf(cpu));

    /// <summary>Waits until a CPU's ring has been woken (returns at once if one was left unread by an earlier read).</summary>
    /// <param name="timeoutMilliseconds">-1 waits forever; 0 polls.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>
    /// <see langword="true"/> when a ring may have records, <see langword="false"/> on timeout. A wakeup can find
    /// nothing (records already consumed, or a wakeup left from before the last consume), so consume and wait again.
    /// </returns>
    /// <exception cref="ObjectDisposedException">The buffer was disposed, also while waiting.</exception>
    /// <exception cref="InvalidOperationException">Another wait is in progress.</exception>
    public bool Wait(int timeoutMilliseconds = -1, CancellationToken cancellationToken = default) =>
        _waiter.Wait(timeoutMilliseconds, cancellationToken);

    /// <summary>The asynchronous <see cref="Wait"/>; it never blocks a thread-pool thread.</summary>
    /// <param name="timeoutMilliseconds">-1 waits forever; 0 polls.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns><see langword="true"/> when a ring may have records, <see langword="false"/> on timeout.</returns>
    public ValueTask<bool> WaitAsync(int timeoutMilliseconds = -1, CancellationToken cancellationToken = default) =>
        _waiter.WaitAsync(timeoutMilliseconds, cancellationToken);

    /// <summary>Waits until a ring is ready (or the timeout passes), then reads the ready rings into <paramref name="handler"/>.</summary>
    /// <typeparam name="THandler">A struct handler; the reader is specialised for it.</typeparam>
    /// <param name="handler">Receives samples, lost counts and corruption reports.</param>
    /// <param name="timeoutMilliseconds">-1 waits forever; 0 polls.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The sum over the CPUs read (nothing on timeout).</returns>
    public PerfReadResult Poll<THandler>(ref THandler handler, int timeoutMilliseconds = -1, CancellationToken cancellationToken = default)
        where THandler : struct, IPerfRecordHandler =>
        Wait(timeoutMilliseconds, cancellationToken) ? ConsumeReady(ref handler) : default;

    /// <summary>Waits until a ring is ready (or the timeout passes), then reads the ready rings into the callbacks.</summary>
    /// <param name="timeoutMilliseconds">-1 waits forever; 0 polls.</param>
    /// <param name="onSample">Receives each sample.</param>
    /// <param name="onLost">Receives lost counts, or <see langword="null"/>.</param>
    /// <param name="onCorruption">Receives corruption reports, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The sum over the CPUs read (nothing on timeout).</returns>
    public PerfReadResult Poll(int timeoutMilliseconds, PerfSampleCallback onSample, PerfLostCallback? onLost = null, PerfCorruptionCallback? onCorruption = null, CancellationToken cancellationToken = default) =>
        Wait(timeoutMilliseconds, cancellationToken) ? ConsumeReady(onSample, onLost, onCorruption) : default;

    /// <summary>Streams copies of the samples of every CPU, waiting asynchronously whenever all rings are drained.</summary>
    /// <param name="onLost">Receives lost counts, or <see langword="null"/> (they are in <see cref="Totals"/> either way).</param>
    /// <param name="onCorruption">Receives corruption reports, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Ends the stream with <see cref="OperationCanceledException"/>.</param>
    /// <returns>Each sample's raw data (the kernel's padded raw size) in an array of its own, in order within each CPU.</returns>
    /// <remarks>
    /// <para>
    /// The array per sample is this stream's contract;
    /// <see cref="ReadAllAsync{T}(PerfLostCallback?, PerfCorruptionCallback?, CancellationToken)"/>,
    /// <see cref="ReadAllVariableAsync{THeader}(PerfLostCallback?, PerfCorruptionCallback?, CancellationToken)"/> and
    /// <see cref="ReadAllLeasedAsync"/> allocate nothing per sample.
    /// </para>
    /// <para>
    /// All the streams work alike. Samples are copied out of the rings (through the 64 KB guard, as every read is), up
    /// to a thousand (or a megabyte) at a time, into a buffer the reader keeps and reuses (it grows to the largest such
    /// batch and stays for the reader's life), and yielded one by one; when none are left the stream waits for the
    /// rings asynchronously. Samples a stream has taken out of the rings but not yielded when it ends (a <c>break</c>)
    /// stay with the buffer and come first in the next stream, of whichever kind; the synchronous consume methods do not
    /// see them. Lost counts and corruption reports reach the callbacks while the rings are read, before the samples
    /// read with them are yielded. Cancelling
    /// <paramref name="cancellationToken"/> (or the token of <c>WithCancellation</c>) ends the stream with
    /// <see cref="OperationCanceledException"/>, as <c>ChannelReader.ReadAllAsync</c> does: catch it with
    /// <c>catch (OperationCanceledException) when (token.IsCancellationRequested)</c>.
    /// </para>
    /// </remarks>
    /// <exception cref="OperationCanceledException">(From the enumeration.) The token was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">(From the enumeration.) The buffer was disposed, also while the stream waited.</exception>
    /// <exception cref="InvalidOperationException">(From the enumeration.) Another wait on the buffer is in progress, or a callback read the buffer.</exception>
    public IAsyncEnumerable<byte[]> ReadAllAsync(PerfLostCallback? onLost = null, PerfCorruptionCallback? onCorruption = null, CancellationToken cancellationToken = default) =>
        RecordStream.ReadAllAsync(this, onLost, onCorruption, cancellationToken);

    /// <summary>
    /// Streams the samples of every CPU read as <typeparamref name="T"/>, straight from the reader's reused buffer:
    /// nothing is allocated per sample.
    /// </summary>
    /// <typeparam name="T">The sample's C layout as an unmanaged struct (host byte order).</typeparam>
    /// <param name="onLost">Receives lost counts, or <see langword="null"/> (they are in <see cref="Totals"/> either way).</param>
    /// <param name="onCorruption">Receives corruption reports, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Ends the stream with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The samples, in order within each CPU.</returns>
    /// <remarks>
    /// <para>
    /// A sample longer than <typeparamref name="T"/> (the raw size includes the kernel's padding) has its first
    /// <c>sizeof(T)</c> bytes read. A sample shorter than <typeparamref name="T"/> is not an error: the bytes it lacks
    /// read as zeros (<see cref="TypedRecord.Read{T}(ReadOnlySpan{byte})"/>), and it counts in
    /// <see cref="BufferMetrics.ShortName"/>. For samples of variable length,
    /// <see cref="ReadAllVariableAsync{THeader}(PerfLostCallback?, PerfCorruptionCallback?, CancellationToken)"/> gives the
    /// bytes after the fixed part as well.
    /// </para>
    /// <para>Otherwise as <see cref="ReadAllAsync(PerfLostCallback?, PerfCorruptionCallback?, CancellationToken)"/>, sharing its pending samples.</para>
    /// </remarks>
    /// <exception cref="OperationCanceledException">(From the enumeration.) The token was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">(From the enumeration.) The buffer was disposed, also while the stream waited.</exception>
    /// <exception cref="InvalidOperationException">(From the enumeration.) Another wait on the buffer is in progress, or a callback read the buffer.</exception>
    public IAsyncEnumerable<T> ReadAllAsync<T>(PerfLostCallback? onLost = null, PerfCorruptionCallback? onCorruption = null, CancellationToken cancellationToken = default)
        where T : unmanaged =>
        RecordStream.ReadAllAsync<T>(this, onLost, onCorruption, cancellationToken);

    /// <summary>
    /// Streams the samples of every CPU as a fixed part read as <typeparamref name="THeader"/> and the bytes after it,
    /// from <c>sizeof(THeader)</c> on (execsnoop: the event's fields, then its argument bytes). Nothing is allocated
    /// per sample.
    /// </summary>
    /// <typeparam name="THeader">The C layout of the sample's fixed part.</typeparam>
    /// <param name="onLost">Receives lost counts, or <see langword="null"/> (they are in <see cref="Totals"/> either way).</param>
    /// <param name="onCorruption">Receives corruption reports, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Ends the stream with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The samples, in order within each CPU. Each one's <see cref="VariableRecord{THeader}.Tail"/> is valid until the stream is advanced.</returns>
    /// <remarks>As <see cref="ReadAllVariableAsync{THeader}(int, PerfLostCallback?, PerfCorruptionCallback?, CancellationToken)"/> with the tail at <c>sizeof(THeader)</c>.</remarks>
    /// <exception cref="OperationCanceledException">(From the enumeration.) The token was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">(From the enumeration.) The buffer was disposed, also while the stream waited.</exception>
    /// <exception cref="InvalidOperationException">(From the enumeration.) Another wait on the buffer is in progress, or a callback read the buffer.</exception>
    public IAsyncEnumerable<VariableRecord<THeader>> ReadAllVariableAsync<THeader>(PerfLostCallback? onLost = null, PerfCorruptionCallback? onCorruption = null, CancellationToken cancellationToken = default)
        where THeader : unmanaged =>
        RecordStream.ReadAllVariableAsync<THeader>(this, -1, onLost, onCorruption, cancellationToken);

    /// <summary>
    /// Streams the samples of every CPU as a fixed part read as <typeparamref name="THeader"/> and the bytes from
    /// <paramref name="tailOffset"/> on. Nothing is allocated per sample.
    /// </summary>
    /// <typeparam name="THeader">The C layout of the sample's fixed part.</typeparam>
    /// <param name="tailOffset">
    /// Where the variable part starts: the C <c>offsetof</c> of the struct's last, variable member, when it differs from
    /// <c>sizeof(THeader)</c> (a C# struct's size is rounded up to its alignment; C's offset of a trailing <c>char[]</c> is not).
    /// </param>
    /// <param name="onLost">Receives lost counts, or <see langword="null"/> (they are in <see cref="Totals"/> either way).</param>
    /// <param name="onCorruption">Receives corruption reports, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Ends the stream with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The samples, in order within each CPU.</returns>
    /// <remarks>
    /// <para>
    /// <see cref="VariableRecord{THeader}.Tail"/> points into the reader's reused buffer and is valid until the stream's
    /// enumerator is advanced (the next iteration of <c>await foreach</c>) or disposed, as a <c>PipeReader</c>'s buffer
    /// is until <c>AdvanceTo</c>: copy what must outlive the iteration. It ends with the kernel's padding (up to 7
    /// bytes the program did not write): use the length the sample carries.
    /// </para>
    /// <para>
    /// A sample that ends before <paramref name="tailOffset"/> is not an error: the header bytes it lacks read as
    /// zeros, its tail is empty, and it counts in <see cref="BufferMetrics.ShortName"/>. Otherwise as
    /// <see cref="ReadAllAsync(PerfLostCallback?, PerfCorruptionCallback?, CancellationToken)"/>, sharing its pending samples.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tailOffset"/> is negative.</exception>
    /// <exception cref="OperationCanceledException">(From the enumeration.) The token was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">(From the enumeration.) The buffer was disposed, also while the stream waited.</exception>
    /// <exception cref="InvalidOperationException">(From the enumeration.) Another wait on the buffer is in progress, or a callback read the buffer.</exception>
    public IAsyncEnumerable<VariableRecord<THeader>> ReadAllVariableAsync<THeader>(int tailOffset, PerfLostCallback? onLost = null, PerfCorruptionCallback? onCorruption = null, CancellationToken cancellationToken = default)
        where THeader : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tailOffset);
        return RecordStream.ReadAllVariableAsync<THeader>(this, tailOffset, onLost, onCorruption, cancellationToken);
    }

    /// <summary>
    /// Streams the samples of every CPU as memory lent from the reader's reused buffer, valid until the stream is
    /// advanced: the <c>byte[]</c> stream without an array per sample.
    /// </summary>
    /// <param name="onLost">Receives lost counts, or <see langword="null"/> (they are in <see cref="Totals"/> either way).</param>
    /// <param name="onCorruption">Receives corruption reports, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Ends the stream with <see cref="OperationCanceledException"/>.</param>
    /// <returns>Each sample's raw data (the kernel's padded raw size), in order within each CPU.</returns>
    /// <remarks>
    /// Each sample is valid until the stream's enumerator is advanced (the next iteration of <c>await foreach</c>) or
    /// disposed, as a <c>PipeReader</c>'s buffer is until <c>AdvanceTo</c>: copy what must outlive the iteration
    /// (<c>ToArray()</c>, or into a buffer of one's own). Otherwise as
    /// <see cref="ReadAllAsync(PerfLostCallback?, PerfCorruptionCallback?, CancellationToken)"/>, sharing its pending samples.
    /// </remarks>
    /// <exception cref="OperationCanceledException">(From the enumeration.) The token was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">(From the enumeration.) The buffer was disposed, also while the stream waited.</exception>
    /// <exception cref="InvalidOperationException">(From the enumeration.) Another wait on the buffer is in progress, or a callback read the buffer.</exception>
    public IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAllLeasedAsync(PerfLostCallback? onLost = null, PerfCorruptionCallback? onCorruption = null, CancellationToken cancellationToken = default) =>
        RecordStream.ReadAllLeasedAsync(this, onLost, onCorruption, cancellationToken);

    void IRecordBatchSource.ReadReady(ref RecordCollector collector) => ConsumeReady(ref collector);

    KeyValuePair<string, object?>[] IRecordBatchSource.MetricTags(int source) => _rings[IndexOf(source)].Tags;

    /// <summary>Stops the events (PERF_EVENT_IOC_DISABLE): until <see cref="Resume"/>, <c>bpf_perf_event_output</c> fails and writes nothing.</summary>
    public void Pause() => ForEachRing(enable: false);

    /// <summary>Starts the events again (PERF_EVENT_IOC_ENABLE).</summary>
    public void Resume() => ForEachRing(enable: true);

    /// <summary>
    /// Wakes any wait (it throws <see cref="ObjectDisposedException"/>), deletes the map slots (so the map no longer
    /// holds the events), closes the events and unmaps the rings. Idempotent.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _waiter.Dispose();
        foreach (var ring in _rings)
        {
            // ENOENT: replaced or deleted by someone else meanwhile. Nothing else can be done about a failure here.
            _map.Delete((uint)ring.Cpu);
            ring.Dispose();
        }
        _mappings.Dispose(); // unmaps now, or when a read in progress on another thread ends
        _map.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => Invariant.Format($"perf buffer '{Name}' ({_rings.Length} CPUs, {DataSize} bytes each)");

    private PerfReadResult ReadRings<THandler>(ref THandler handler, bool readyOnly, int onlyCpu)
        where THandler : struct, IPerfRecordHandler
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        // data_tail moves at the end of a CPU's batch, so a read from inside a handler would deliver the batch again.
        if (_read.IsHeldByCurrentThread)
            throw new InvalidOperationException(Invariant.Format($"{this} is already being read on this thread: a handler must not read its own buffer."));
        var totals = default(PerfReadCounters);
        ulong consumed = 0;
        var stopped = false;
        lock (_read)
        {
            using var mapped = new MappingReferences.Lease(_mappings); // keeps every ring mapped during the read, even if the buffer is disposed meanwhile
            try
            {
                // A pass starts after the ring a handler last stopped in, so no CPU starves.
                var count = onlyCpu < 0 ? _rings.Length : 1;
                var i = onlyCpu < 0 ? _next : onlyCpu; // _next is kept below _rings.Length (no division, and none with no rings)
                for (var n = 0; n < count && !stopped; n++, i = i + 1 == _rings.Length ? 0 : i + 1)
                {
                    // Cleared either way: the ring is about to be read.
                    if (!_waiter.TakeReady(i) && readyOnly)
                        continue;
                    var more = true; // also when the handler throws: the ring is looked at again
                    try
                    {
                        var result = _rings[i].Read(Layout, ref handler);
                        PerfReadTotals.Add(ref totals, ref consumed, in result);
                        more = stopped = result.Stopped;
                        if (stopped)
                            _next = i + 1 == _rings.Length ? 0 : i + 1;
                    }
                    finally
                    {
                        if (more)
                            _waiter.MarkReady(i);
                    }
                }
            }
            finally
            {
                // Once per call, not per ring (also when a handler throws: the rings read before it count).
                PerfReadTotals.Add(ref _totals, ref _totalConsumed, in totals, consumed);
            }
        }
        return PerfReadTotals.ToResult(totals, consumed, stopped);
    }

    private PerfReadResult ReadRings(PerfSampleCallback onSample, PerfLostCallback? onLost, PerfCorruptionCallback? onCorruption, bool readyOnly, int onlyCpu)
    {
        var handler = new PerfConsumer.CallbackHandler(onSample ?? throw new ArgumentNullException(nameof(onSample)), onLost, onCorruption);
        try
        {
            return ReadRings(ref handler, readyOnly, onlyCpu);
        }
        finally
        {
            handler.ReturnScratch();
        }
    }

    private int IndexOf(int cpu)
    {
        for (var i = 0; i < _rings.Length; i++)
        {
            if (_rings[i].Cpu == cpu)
                return i;
        }
        throw new ArgumentOutOfRangeException(nameof(cpu), cpu, Invariant.Format($"CPU {cpu} has no ring in {this}; the CPUs with one are {string.Join(", ", Cpus)}."));
    }

    private void ForEachRing(bool enable)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        foreach (var ring in _rings)
            ring.SetEnabled(enable);
    }

    private static void Check(PerfBufferOptions options, BufferMap map)
    {
        if (options.PageCount <= 0 || !BitOperations.IsPow2(options.PageCount))
            throw new ArgumentOutOfRangeException(nameof(options), options.PageCount, Invariant.Format(
                $"PageCount must be a power of two: the kernel maps a perf ring as one metadata page plus 2^n data pages (mmap of (1 + 2^n) pages), and refuses other lengths with EINVAL. Map '{map.Name}' got {options.PageCount}."));
        if ((ulong)options.PageCount * (ulong)KernelInfo.PageSize > PerfBufferView.MaxDataSize)
            throw new ArgumentOutOfRangeException(nameof(options), options.PageCount, Invariant.Format($"A perf ring holds at most {PerfBufferView.MaxDataSize} bytes."));
        if (options.WakeupWatermark >= (ulong)options.PageCount * (ulong)KernelInfo.PageSize)
            throw new ArgumentOutOfRangeException(nameof(options), options.WakeupWatermark, Invariant.Format(
                $"WakeupWatermark ({options.WakeupWatermark} bytes) must be less than the ring's {options.PageCount * KernelInfo.PageSize} data bytes, or the reader is never woken."));
        if (options.WakeupWatermark == 0 && options.WakeupEvents == 0)
            throw new ArgumentOutOfRangeException(nameof(options), 0, "WakeupEvents must be at least 1 (or set WakeupWatermark).");
    }
}
