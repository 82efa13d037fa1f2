using ManagedBpf.Kernel;
using System.Numerics;
using ManagedBpf.Buffers.Perf;
using ManagedBpf.Buffers.Simulation;

namespace ManagedBpf.Buffers.Capture;

/// <summary>
/// A copy of one CPU's perf ring at one moment: the <c>perf_event_mmap_page</c> fields <c>data_head</c>,
/// <c>data_tail</c>, <c>data_offset</c>, <c>data_size</c>, and the data area, to be saved as a fixture and replayed by
/// <see cref="PerfConsumer"/> without a kernel (<see cref="Replay"/>).
/// </summary>
public sealed class PerfSnapshot
{
    /// <summary>Creates a snapshot from its parts (for example, read back from a file).</summary>
    /// <param name="cpu">The CPU the ring belonged to.</param>
    /// <param name="dataHead">The captured <c>data_head</c>.</param>
    /// <param name="dataTail">The captured <c>data_tail</c>.</param>
    /// <param name="dataOffset">The captured <c>data_offset</c> (the page size on the capturing machine).</param>
    /// <param name="data">The data area: a power-of-two length of at least 4096 (its length is <c>data_size</c>).</param>
    /// <exception cref="ArgumentException">The data length is not a power of two of at least 4096.</exception>
    public PerfSnapshot(int cpu, ulong dataHead, ulong dataTail, ulong dataOffset, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length < 4096 || !BitOperations.IsPow2(data.Length))
            throw new ArgumentException(Invariant.Format($"{data.Length} bytes is no perf data area size."), nameof(data));
        Cpu = cpu;
        DataHead = dataHead;
        DataTail = dataTail;
        DataOffset = dataOffset;
        Bytes = data;
    }

    /// <summary>The CPU the ring belonged to.</summary>
    public int Cpu { get; }

    /// <summary>The captured <c>data_head</c>.</summary>
    public ulong DataHead { get; }

    /// <summary>The captured <c>data_tail</c>.</summary>
    public ulong DataTail { get; }

    /// <summary>The captured <c>data_offset</c>: where the data area started in the kernel's mapping.</summary>
    public ulong DataOffset { get; }

    /// <summary>The captured <c>data_size</c>.</summary>
    public ulong DataSize => (ulong)Bytes.Length;

    /// <summary>The data area.</summary>
    public IReadOnlyList<byte> Data => Bytes;

    internal byte[] Bytes { get; }

    /// <summary>Copies the memory a view describes (<c>data_head</c> first, then <c>data_tail</c>, then the data).</summary>
    /// <param name="view">The ring's memory.</param>
    /// <param name="cpu">The CPU it belongs to.</param>
    /// <returns>The snapshot.</returns>
    /// <exception cref="ArgumentException">The view is default.</exception>
    public static unsafe PerfSnapshot Capture(in PerfBufferView view, int cpu)
    {
        if (view.IsDefault)
            throw new ArgumentException("The perf buffer view describes no memory.", nameof(view));
        var head = view.LoadDataHead();
        var tail = view.LoadDataTail();
        var offset = (ulong)(view.Data - view.MetaPage);
        var data = new ReadOnlySpan<byte>(view.Data, checked((int)view.DataSize)).ToArray();
        return new PerfSnapshot(cpu, head, tail, offset, data);
    }

    /// <summary>
    /// Lays the snapshot out in fresh memory as the kernel maps a perf ring: a 4 KiB metadata page with
    /// <c>data_head</c>, <c>data_tail</c>, <c>data_offset</c> (4096 here, whatever was captured) and <c>data_size</c>,
    /// then the data area.
    /// </summary>
    /// <returns>The memory; dispose it when done.</returns>
    public PerfSnapshotReplay Replay() => new(this);
}

/// <summary>A <see cref="PerfSnapshot"/> laid out in native memory like the kernel's mapping; the reader may advance it.</summary>
public sealed unsafe class PerfSnapshotReplay : IDisposable
{
    private const int MetaPage = 4096;
    private readonly GuardedMemory _memory;
    private readonly ulong _size;

    internal PerfSnapshotReplay(PerfSnapshot snapshot)
    {
        _size = snapshot.DataSize;
        _memory = GuardedMemory.Allocate((nuint)(MetaPage + _size));
        var p = _memory.Pointer;
        *(ulong*)(p + PerfEventAbi.DataHeadOffset) = snapshot.DataHead;
        *(ulong*)(p + PerfEventAbi.DataTailOffset) = snapshot.DataTail;
        *(ulong*)(p + PerfEventAbi.DataOffsetOffset) = MetaPage;
        *(ulong*)(p + PerfEventAbi.DataSizeOffset) = _size;
        snapshot.Bytes.CopyTo(new Span<byte>(p + MetaPage, (int)_size));
    }

    /// <summary>The ring's memory, for <see cref="PerfConsumer"/>.</summary>
    /// <exception cref="ObjectDisposedException">The replay was disposed.</exception>
    public PerfBufferView View
    {
        get
        {
            ObjectDisposedException.ThrowIf(_memory.IsClosed, this);
            return PerfBufferView.FromMetaPage(_memory.Pointer, MetaPage + _size);
        }
    }

    /// <summary>Frees the memory.</summary>
    public void Dispose() => _memory.Dispose();
}
