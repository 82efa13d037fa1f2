using ManagedBpf.Buffers.Perf;

namespace ManagedBpf.Buffers.Ordering;

/// <summary>
/// Reads every CPU's perf ring and hands the samples out in <c>PERF_SAMPLE_TIME</c> order across CPUs, through a
/// <see cref="PerfSampleOrderer"/>'s bounded window. The rings must be opened with
/// <see cref="PerfSampleLayout.TimeAndRaw"/> (<see cref="PerfBufferOptions.Layout"/>).
/// </summary>
/// <remarks>
/// <para>
/// Each <see cref="Read"/> drains every ring into the window (so <c>data_tail</c> moves on at once and the kernel does
/// not drop samples while they wait to be ordered), then releases what the watermark allows; samples held back are
/// released by a later read, by a bound, or by <see cref="Flush"/>. Lost counts and corruption reports are passed on
/// as they are read, not ordered.
/// </para>
/// <para>Not thread-safe: one thread reads at a time.</para>
/// </remarks>
public sealed class OrderedPerfReader : IDisposable
{
    private readonly PerfBuffer? _buffer;
    private readonly PerfBufferView[]? _views;
    private readonly int[]? _viewCpus;
    private readonly PerfSampleLayout _layout;
    private readonly PerfLostCallback? _onLost;
    private readonly PerfCorruptionCallback? _onCorruption;

    /// <summary>Orders the samples of a <see cref="PerfBuffer"/>'s CPUs.</summary>
    /// <param name="buffer">A perf buffer whose layout has time; the reader does not own it.</param>
    /// <param name="onSample">Receives the samples in timestamp order.</param>
    /// <param name="options">The window's bounds, or <see langword="null"/> for the defaults.</param>
    /// <param name="onLost">Receives lost counts as they are read, or <see langword="null"/>.</param>
    /// <param name="onCorruption">Receives corruption reports as they are read, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The buffer's layout has no time.</exception>
    public OrderedPerfReader(PerfBuffer buffer, OrderedSampleCallback onSample, PerfOrderingOptions? options = null,
        PerfLostCallback? onLost = null, PerfCorruptionCallback? onCorruption = null)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        RequireTime(buffer.Layout, nameof(buffer));
        _buffer = buffer;
        _layout = buffer.Layout;
        _onLost = onLost;
        _onCorruption = onCorruption;
        Orderer = new PerfSampleOrderer(buffer.Cpus, onSample, options);
    }

    /// <summary>Orders the samples of rings described by views (memory mapped elsewhere, or a simulator's).</summary>
    /// <param name="rings">Each CPU id with its ring's memory; the memory must stay alive while the reader is used.</param>
    /// <param name="layout">The samples' layout: <see cref="PerfSampleLayout.TimeAndRaw"/>.</param>
    /// <param name="onSample">Receives the samples in timestamp order.</param>
    /// <param name="options">The window's bounds, or <see langword="null"/> for the defaults.</param>
    /// <param name="onLost">Receives lost counts as they are read, or <see langword="null"/>.</param>
    /// <param name="onCorruption">Receives corruption reports as they are read, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The layout has no time, a view is default, or the CPU list is invalid.</exception>
    public OrderedPerfReader(IReadOnlyList<KeyValuePair<int, PerfBufferView>> rings, PerfSampleLayout layout, OrderedSampleCallback onSample,
        PerfOrderingOptions? options = null, PerfLostCallback? onLost = null, PerfCorruptionCallback? onCorruption = null)
    {
        ArgumentNullException.ThrowIfNull(rings);
        RequireTime(layout, nameof(layout));
        _views = new PerfBufferView[rings.Count];
        _viewCpus = new int[rings.Count];
        for (var i = 0; i < rings.Count; i++)
        {
            if (rings[i].Value.IsDefault)
                throw new ArgumentException("A perf buffer view describes no memory.", nameof(rings));
            (_viewCpus[i], _views[i]) = (rings[i].Key, rings[i].Value);
        }

        _layout = layout;
        _onLost = onLost;
        _onCorruption = onCorruption;
        Orderer = new PerfSampleOrderer(_viewCpus, onSample, options);
    }

    /// <summary>The window: samples held, released, released early and late.</summary>
    public PerfSampleOrderer Orderer { get; }

    /// <summary>Drains every ring into the window, then releases the samples the watermark allows.</summary>
    /// <returns>What was read from the rings (summed over the CPUs); the samples counted may be released later.</returns>
    public PerfReadResult Read()
    {
        var handler = new Feed(Orderer, _onLost, _onCorruption);
        PerfReadResult result;
        if (_buffer is not null)
        {
            result = _buffer.ConsumeAll(ref handler);
        }
        else
        {
            var totals = default(PerfReadCounters);
            ulong consumed = 0;
            for (var i = 0; i < _views!.Length; i++)
            {
                var one = PerfConsumer.Read(in _views[i], _viewCpus![i], _layout, ref handler);
                PerfReadTotals.Add(ref totals, ref consumed, in one);
            }

            result = PerfReadTotals.ToResult(in totals, consumed, stopped: false);
        }

        Orderer.ReleaseReady();
        return result;
    }

    /// <summary>Waits until a ring is ready (or the timeout passes), then <see cref="Read"/>s. Only for a reader over a <see cref="PerfBuffer"/>.</summary>
    /// <param name="timeoutMilliseconds">-1 waits forever; 0 polls.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>What was read (nothing on timeout).</returns>
    /// <exception cref="InvalidOperationException">The reader is over views, which cannot be waited on.</exception>
    public PerfReadResult Poll(int timeoutMilliseconds = -1, CancellationToken cancellationToken = default)
    {
        if (_buffer is null)
            throw new InvalidOperationException("A reader over views has nothing to wait on; call Read.");
        return _buffer.Wait(timeoutMilliseconds, cancellationToken) ? Read() : default;
    }

    /// <summary>Reads every ring once more, then releases every held sample in timestamp order.</summary>
    /// <returns>What the last read read.</returns>
    public PerfReadResult Flush()
    {
        var result = Read();
        Orderer.Flush();
        return result;
    }

    /// <summary>Drops the held samples and returns their pooled buffers (the perf buffer is not disposed).</summary>
    public void Dispose() => Orderer.Dispose();

    private static void RequireTime(PerfSampleLayout layout, string parameter)
    {
        if (!layout.HasTime)
            throw new ArgumentException("Ordering needs PERF_SAMPLE_TIME: open the perf buffer with PerfSampleLayout.TimeAndRaw.", parameter);
    }

    /// <summary>Feeds the window from the consumer; passes lost counts and reports straight on.</summary>
    private readonly struct Feed(PerfSampleOrderer orderer, PerfLostCallback? onLost, PerfCorruptionCallback? onCorruption) : IPerfRecordHandler
    {
        public bool OnSample(in PerfSample sample)
        {
            orderer.Add(in sample);
            return true;
        }

        public void OnLost(int cpu, ulong lost) => onLost?.Invoke(cpu, lost);

        public void OnCorruption(in PerfCorruption corruption) => onCorruption?.Invoke(in corruption);
    }
}
