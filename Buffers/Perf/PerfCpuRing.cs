using ManagedBpf.Kernel;
using ManagedBpf.Kernel.Perf;

namespace ManagedBpf.Buffers.Perf;

/// <summary>
/// One CPU's part of a <see cref="PerfBuffer"/>: a <c>PERF_COUNT_SW_BPF_OUTPUT</c> event opened on that CPU and its
/// ring, mapped read-write (the reader stores <c>data_tail</c>) as one metadata page plus the data pages.
/// </summary>
internal sealed class PerfCpuRing : IDisposable
{
    // The ring's layout, read from its perf_event_mmap_page once: the kernel fixes data_offset and data_size at mmap.
    // Its pointers are used only while the mapping is held: by the buffer's MappingReferences during a read, or a lease on Mapping.
    private readonly PerfBufferView _view;
    private PerfValidatedRange _validated; // what PerfConsumer found valid and left unread (reads are serialised by the buffer)

    private unsafe PerfCpuRing(int cpu, SafeFdHandle perfEvent, SafeMmapHandle mapping, KeyValuePair<string, object?>[] tags)
    {
        Cpu = cpu;
        Event = perfEvent;
        Mapping = mapping;
        Tags = tags;
        using var lease = mapping.Acquire();
        _view = PerfBufferView.FromMetaPage(lease.Pointer, lease.Length);
    }

    internal int Cpu { get; }

    internal SafeFdHandle Event { get; }

    /// <summary>The ring's mapping; its owner is the buffer's <see cref="MappingReferences"/>, which unmaps it after the last read.</summary>
    internal SafeMmapHandle Mapping { get; }

    internal KeyValuePair<string, object?>[] Tags { get; }

    /// <summary>Opens, maps and enables the event on <paramref name="cpu"/>; <see langword="null"/> when that CPU is offline (ENODEV).</summary>
    internal static PerfCpuRing? Open(int cpu, PerfBufferOptions options, BufferMap map)
    {
        var attr = new PerfEventAttr
        {
            type = PerfConstants.PERF_TYPE_SOFTWARE,
            config = PerfConstants.PERF_COUNT_SW_BPF_OUTPUT,
            sample_type = options.Layout.SampleType,
            sample_period = 1,
            flags = PerfConstants.FlagDisabled | (options.WakeupWatermark != 0 ? PerfConstants.FlagWatermark : 0),
        };
        if (options.WakeupWatermark != 0)
            attr.wakeup_watermark = options.WakeupWatermark;
        else
            attr.wakeup_events = options.WakeupEvents;

        SafeFdHandle perfEvent;
        try
        {
            perfEvent = PerfEvent.Open(ref attr, -1, cpu, Invariant.Format($"BPF output event for map '{map.Name}'"));
        }
        catch (BpfSyscallException e) when (e.Errno == Errno.ENODEV)
        {
            return null;
        }

        SafeMmapHandle? mapping = null;
        try
        {
            var length = (nuint)KernelInfo.PageSize * (nuint)(1 + options.PageCount);
            mapping = SafeMmapHandle.Map(perfEvent, length, MemoryProtection.ReadWrite, 0, Invariant.Format($"perf ring of map '{map.Name}', cpu {cpu}"));
            PerfEvent.Enable(perfEvent);
            return new PerfCpuRing(cpu, perfEvent, mapping, BufferMetrics.Tags(map, cpu));
        }
        catch
        {
            mapping?.Dispose();
            perfEvent.Dispose();
            throw;
        }
    }

    /// <summary>Reads the ring from <c>data_tail</c> to <c>data_head</c>; the caller holds the buffer's reference on the mappings.</summary>
    internal PerfReadResult Read<THandler>(PerfSampleLayout layout, ref THandler handler)
        where THandler : struct, IPerfRecordHandler
    {
        var result = PerfConsumer.Read(in _view, Cpu, layout, ref handler, ref _validated);
        if (result.ConsumedBytes != 0) // every record read moves the tail; an empty ring has nothing to count
            BufferMetrics.Add(Tags, result.Samples, result.SampleBytes, (long)result.Lost, corrupted: result.CorruptedCount(), corruptedBytes: (long)result.CorruptedBytes);
        return result;
    }

    /// <summary><c>data_head - data_tail</c>: bytes written and not yet read, headers included.</summary>
    internal ulong AvailableBytes
    {
        get
        {
            using var lease = Mapping.Acquire();
            return _view.LoadDataHead() - _view.LoadDataTail();
        }
    }

    /// <summary>PERF_EVENT_IOC_ENABLE or PERF_EVENT_IOC_DISABLE.</summary>
    internal void SetEnabled(bool enable)
    {
        if (enable)
            PerfEvent.Enable(Event);
        else
            PerfEvent.Disable(Event);
    }

    /// <summary>Closes the event. The mapping is not this ring's to unmap: see <see cref="Mapping"/>.</summary>
    public void Dispose() => Event.Dispose();
}
