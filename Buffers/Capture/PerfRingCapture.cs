using ManagedBpf.Buffers.Perf;
using ManagedBpf.Kernel;
using ManagedBpf.Maps;

namespace ManagedBpf.Buffers.Capture;

/// <summary>
/// One CPU's perf ring opened on a <c>BPF_MAP_TYPE_PERF_EVENT_ARRAY</c> as <see cref="PerfBuffer"/> opens it, but left
/// unread so that its memory can be snapshotted (<see cref="Snapshot"/>) after a producer ran: a capture tool, not a reader.
/// </summary>
public sealed class PerfRingCapture : IDisposable
{
    private readonly BufferMap _map;
    private readonly PerfCpuRing _ring;
    private readonly PerfSampleLayout _layout;
    private int _disposed;

    /// <summary>Opens the perf event of <paramref name="cpu"/> and stores it in the map at that key.</summary>
    /// <param name="perfEventArray">The perf event array.</param>
    /// <param name="cpu">An online CPU id.</param>
    /// <param name="options">Page count and layout, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException">The map is no perf event array, or the CPU is offline.</exception>
    public PerfRingCapture(Map perfEventArray, int cpu, PerfBufferOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(perfEventArray);
        options ??= new PerfBufferOptions();
        _map = BufferMap.Borrow(perfEventArray, BpfMapType.PERF_EVENT_ARRAY, nameof(PerfRingCapture));
        try
        {
            _ring = PerfCpuRing.Open(cpu, options, _map) ?? throw new ArgumentException(Invariant.Format($"CPU {cpu} is offline."), nameof(cpu));
            _map.SetDescriptor((uint)cpu, _ring.Event);
        }
        catch
        {
            _map.Dispose();
            throw;
        }

        Cpu = cpu;
        _layout = options.Layout;
    }

    /// <summary>The CPU captured.</summary>
    public int Cpu { get; }

    /// <summary>Copies the ring's metadata fields and data area as they are now.</summary>
    /// <returns>The snapshot.</returns>
    /// <exception cref="ObjectDisposedException">The capture was disposed.</exception>
    public unsafe PerfSnapshot Snapshot()
    {
        using var lease = _ring.Mapping.Acquire();
        var view = PerfBufferView.FromMetaPage(lease.Pointer, lease.Length);
        return PerfSnapshot.Capture(in view, Cpu);
    }

    /// <summary>Reads the ring (moving <c>data_tail</c>), to set up a scenario before the snapshot.</summary>
    /// <typeparam name="THandler">A struct handler.</typeparam>
    /// <param name="handler">Receives samples, lost counts and reports.</param>
    /// <returns>What the read did.</returns>
    /// <exception cref="ObjectDisposedException">The capture was disposed.</exception>
    public PerfReadResult Read<THandler>(ref THandler handler)
        where THandler : struct, IPerfRecordHandler
    {
        using var lease = _ring.Mapping.Acquire(); // PerfCpuRing.Read expects its caller to keep the ring mapped
        return _ring.Read(_layout, ref handler);
    }

    /// <summary>Removes the event from the map, closes it and unmaps the ring (once a read in progress ends). Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _map.Delete((uint)Cpu);
        _ring.Dispose();
        _ring.Mapping.Dispose(); // the ring's mapping is its owner's to unmap: here, the capture's
        _map.Dispose();
    }
}
