using ManagedBpf.Buffers.Perf;

namespace ManagedBpf.Buffers.Ordering;

/// <summary>
/// Merges samples from per-CPU perf rings into timestamp order through a bounded window: a min-heap keyed by
/// (<c>PERF_SAMPLE_TIME</c>, arrival). Each CPU's ring is in time order by itself, so a held sample can be released as
/// soon as every CPU has shown a timestamp at least as late as it (its watermark); the window's size, byte and delay
/// bounds release the oldest sample early so that an idle CPU cannot hold everything back, and a flush releases all.
/// </summary>
/// <remarks>
/// <para>
/// Call <see cref="ReleaseReady"/> once after each complete pass over every CPU's ring (as <see cref="OrderedPerfReader"/>
/// does): the delay bound is applied there, against the newest timestamp of the <em>previous</em> pass. A sample the
/// kernel stamped before one that pass read has been published by the time the next pass reads its ring, however long
/// the reader was descheduled between reading one CPU's ring and another's, so it is never overtaken; with a delay of 0
/// this is perf's FINISHED_ROUND rule. A sample can still come late if the kernel took longer than the delay
/// between stamping and publishing it (a stalled virtual CPU), or after a release by the size or byte bound.
/// </para>
/// <para>
/// Samples are copied into power-of-two buffers from the orderer's own pool (at most one window's worth is kept) and
/// returned after delivery, and the heap is an array of structs that grows only up to the window's size: in steady state nothing is allocated per
/// sample. Equal timestamps are released in arrival order.
/// </para>
/// <para>Not thread-safe: one thread adds and releases at a time.</para>
/// </remarks>
public sealed class PerfSampleOrderer : IDisposable
{
    private readonly OrderedSampleCallback _onSample;
    private readonly SampleBufferPool _pool;
    private readonly int[] _cpuIndex;
    private readonly ulong[] _seen;
    private readonly bool[] _hasSeen;
    private readonly int _maxSamples;
    private readonly long _maxBytes;
    private readonly ulong _maxDelay;
    private Entry[] _heap;
    private long _arrivals;
    private ulong _newest;
    private ulong _passNewest;
    private ulong _lastReleased;
    private bool _released;

    /// <summary>Creates an empty window over the given CPUs.</summary>
    /// <param name="cpus">The CPU ids whose samples are merged: every one of them must show a later timestamp before a held sample is released by the watermark.</param>
    /// <param name="onSample">Receives the samples in timestamp order.</param>
    /// <param name="options">The window's bounds, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException"><paramref name="cpus"/> is empty, has a negative id or a duplicate.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bound is not positive.</exception>
    public PerfSampleOrderer(IReadOnlyList<int> cpus, OrderedSampleCallback onSample, PerfOrderingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cpus);
        ArgumentNullException.ThrowIfNull(onSample);
        options ??= new PerfOrderingOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxSamples, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBytes, 1L, nameof(options));
        if (cpus.Count == 0)
            throw new ArgumentException("At least one CPU is needed.", nameof(cpus));

        var maxCpu = -1;
        foreach (var cpu in cpus)
        {
            if (cpu < 0)
                throw new ArgumentException(Invariant.Format($"CPU id {cpu} is negative."), nameof(cpus));
            maxCpu = Math.Max(maxCpu, cpu);
        }

        _cpuIndex = new int[maxCpu + 1];
        _cpuIndex.AsSpan().Fill(-1);
        for (var i = 0; i < cpus.Count; i++)
        {
            if (_cpuIndex[cpus[i]] != -1)
                throw new ArgumentException(Invariant.Format($"CPU id {cpus[i]} is listed twice."), nameof(cpus));
            _cpuIndex[cpus[i]] = i;
        }

        Cpus = [.. cpus];
        _seen = new ulong[cpus.Count];
        _hasSeen = new bool[cpus.Count];
        _onSample = onSample;
        _maxSamples = options.MaxSamples;
        _maxBytes = options.MaxBytes;
        _maxDelay = options.MaxDelay;
        _heap = new Entry[Math.Min(_maxSamples, 64)];
        _pool = new SampleBufferPool(Math.Min(_maxSamples, 1 << 16));
    }

    /// <summary>The CPUs merged.</summary>
    public IReadOnlyList<int> Cpus { get; }

    /// <summary>The samples held in the window.</summary>
    public int Count { get; private set; }

    /// <summary>The payload bytes held in the window.</summary>
    public long Bytes { get; private set; }

    /// <summary>Samples released so far.</summary>
    public long Released { get; private set; }

    /// <summary>Samples released before the watermark reached them because the window's sample, byte or delay bound was exceeded.</summary>
    public long ReleasedByBound { get; private set; }

    /// <summary>
    /// Samples that arrived with a timestamp earlier than one already released (possible only after a release by a
    /// bound, or when a CPU's own timestamps go backwards): they are released out of order.
    /// </summary>
    public long LateSamples { get; private set; }

    /// <summary>
    /// The watermark: the earliest of the latest timestamps each CPU has shown; 0 until every CPU has shown one.
    /// Held samples up to it are released by <see cref="ReleaseReady"/>.
    /// </summary>
    public ulong Watermark
    {
        get
        {
            var min = ulong.MaxValue;
            for (var i = 0; i < _seen.Length; i++)
            {
                if (!_hasSeen[i])
                    return 0;
                min = Math.Min(min, _seen[i]);
            }

            return min;
        }
    }

    /// <summary>Adds a sample as the reader hands it out (both segments when it wraps).</summary>
    /// <param name="sample">A sample read with <see cref="PerfSampleLayout.TimeAndRaw"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The sample's CPU is not one of <see cref="Cpus"/>.</exception>
    public void Add(in PerfSample sample) => Add(sample.Cpu, sample.Time, sample.First, sample.Second);

    /// <summary>Adds a sample, copying its payload into a pooled buffer; releases the oldest samples if a bound is exceeded.</summary>
    /// <param name="cpu">One of <see cref="Cpus"/>.</param>
    /// <param name="time">The sample's timestamp.</param>
    /// <param name="payload">The raw data.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cpu"/> is not one of <see cref="Cpus"/>.</exception>
    public void Add(int cpu, ulong time, ReadOnlySpan<byte> payload) => Add(cpu, time, payload, default);

    /// <summary>
    /// Ends a pass over every CPU's ring: releases, in timestamp order, every held sample no CPU can still precede (up
    /// to <see cref="Watermark"/>), and those more than <see cref="PerfOrderingOptions.MaxDelay"/> older than the
    /// newest timestamp the previous pass had seen.
    /// </summary>
    /// <returns>The number of samples released.</returns>
    public int ReleaseReady()
    {
        var before = Released;
        var watermark = Watermark;
        while (Count != 0)
        {
            var time = _heap[0].Time;
            if (time > watermark)
            {
                if (_passNewest <= time || _passNewest - time <= _maxDelay)
                    break;
                ReleasedByBound++;
            }

            ReleaseTop();
        }

        _passNewest = _newest;
        return (int)(Released - before);
    }

    /// <summary>Releases every held sample in timestamp order (at the end of a stream, or when the caller wants them now).</summary>
    /// <returns>The number of samples released.</returns>
    public int Flush()
    {
        var before = Released;
        while (Count != 0)
            ReleaseTop();
        return (int)(Released - before);
    }

    /// <summary>Drops every held sample without delivering it and returns the pooled buffers.</summary>
    public void Dispose()
    {
        for (var i = 0; i < Count; i++)
        {
            _pool.Return(_heap[i].Buffer!);
            _heap[i] = default;
        }

        Count = 0;
        Bytes = 0;
        _pool.Clear();
    }

    private void Add(int cpu, ulong time, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        var index = (uint)cpu < (uint)_cpuIndex.Length ? _cpuIndex[cpu] : -1;
        if (index < 0)
            throw new ArgumentOutOfRangeException(nameof(cpu), cpu, "The CPU is not one of those merged.");

        if (!_hasSeen[index] || time > _seen[index])
            _seen[index] = time;
        _hasSeen[index] = true;
        if (time > _newest)
            _newest = time;
        if (_released && time < _lastReleased)
            LateSamples++;

        var length = first.Length + second.Length;
        var buffer = _pool.Rent(length);
        first.CopyTo(buffer);
        second.CopyTo(buffer.AsSpan(first.Length));
        if (Count == _heap.Length)
            Array.Resize(ref _heap, _heap.Length * 2);
        _heap[Count] = new Entry(time, _arrivals++, cpu, length, buffer);
        SiftUp(Count++);
        Bytes += length;

        // The delay bound waits for the end of the pass (ReleaseReady): applied here, a reader descheduled between two
        // CPUs' rings would release samples before an earlier one the kernel published meanwhile.
        while (Count != 0 && (Count > _maxSamples || Bytes > _maxBytes))
        {
            ReleasedByBound++;
            ReleaseTop();
        }
    }

    private void ReleaseTop()
    {
        var top = _heap[0];
        Count--;
        _heap[0] = _heap[Count];
        _heap[Count] = default;
        if (Count != 0)
            SiftDown(0);
        Bytes -= top.Length;
        Released++;
        _released = true;
        if (top.Time > _lastReleased)
            _lastReleased = top.Time;
        try
        {
            _onSample(top.Cpu, top.Time, top.Buffer.AsSpan(0, top.Length));
        }
        finally
        {
            _pool.Return(top.Buffer!);
        }
    }

    private void SiftUp(int i)
    {
        var item = _heap[i];
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (!Before(in item, in _heap[parent]))
                break;
            _heap[i] = _heap[parent];
            i = parent;
        }

        _heap[i] = item;
    }

    private void SiftDown(int i)
    {
        var item = _heap[i];
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= Count)
                break;
            if (child + 1 < Count && Before(in _heap[child + 1], in _heap[child]))
                child++;
            if (!Before(in _heap[child], in item))
                break;
            _heap[i] = _heap[child];
            i = child;
        }

        _heap[i] = item;
    }

    private static bool Before(in Entry a, in Entry b) => a.Time < b.Time || (a.Time == b.Time && a.Arrival < b.Arrival);

    private readonly record struct Entry(ulong Time, long Arrival, int Cpu, int Length, byte[]? Buffer);
}
