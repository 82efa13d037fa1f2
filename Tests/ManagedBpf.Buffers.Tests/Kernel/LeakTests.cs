using ManagedBpf.Buffers.Perf;
using ManagedBpf.Buffers.Ring;
using ManagedBpf.TestSupport;
using static ManagedBpf.Buffers.Tests.Support.KernelObjects;

namespace ManagedBpf.Buffers.Tests.Kernel;

/// <summary>Creating and disposing readers and writers, successfully or not, leaves no descriptor and no mapping behind.</summary>
[Collection(DescriptorCounting.Collection)]
public sealed class LeakTests
{
    private const string BpfMapMapping = "bpf-map", PerfMapping = "perf_event";

    [KernelFact]
    public async Task Readers_and_writers_release_every_descriptor_and_mapping()
    {
        using var ringMap = RingBuffer(4096);
        using var otherRingMap = RingBuffer(4096);
        using var userMap = UserRingBuffer(4096);
        using var perfMap = PerfEventArray();
        var cpus = Math.Max(1, new PerfBuffer(perfMap, new PerfBufferOptions { PageCount = 1 }).Let(b => b.Cpus.Count));
        await Cycle(ringMap, otherRingMap, userMap, perfMap); // warm up: JIT, lazy statics

        var (fds, maps, perfMaps) = (OpenDescriptors.Count(), Mappings(BpfMapMapping), Mappings(PerfMapping));
        using (var ring = new Buffers.Ring.RingBuffer(ringMap))
        using (var user = new Buffers.Ring.UserRingBuffer(userMap))
        using (var perf = new PerfBuffer(perfMap, new PerfBufferOptions { PageCount = 1 }))
        {
            Assert.Equal(maps + 4, Mappings(BpfMapMapping)); // consumer page + producer pages, twice
            Assert.Equal(perfMaps + cpus, Mappings(PerfMapping)); // one ring per CPU
            Assert.Equal(fds + 2 + cpus + 2, OpenDescriptors.Count()); // user ring's epoll + eventfd; per-CPU events; perf's epoll + eventfd
        }
        for (var i = 0; i < 20; i++)
            await Cycle(ringMap, otherRingMap, userMap, perfMap);

        Assert.Equal(fds, OpenDescriptors.Count());
        Assert.Equal(maps, Mappings(BpfMapMapping));
        Assert.Equal(perfMaps, Mappings(PerfMapping));
    }

    [KernelFact]
    public void Failed_construction_releases_what_it_had_opened()
    {
        using var ringMap = RingBuffer(4096);
        using var perfMap = PerfEventArray();
        var highest = ManagedBpf.Kernel.KernelInfo.OnlineCpus()[^1];
        using var tooSmall = PerfEventArray("small", (uint)Math.Max(1, highest));
        Attempt(ringMap, perfMap, tooSmall, highest); // warm up

        var (fds, maps, perfMaps) = (OpenDescriptors.Count(), Mappings(BpfMapMapping), Mappings(PerfMapping));
        for (var i = 0; i < 10; i++)
            Attempt(ringMap, perfMap, tooSmall, highest);

        Assert.Equal(fds, OpenDescriptors.Count());
        Assert.Equal(maps, Mappings(BpfMapMapping));
        Assert.Equal(perfMaps, Mappings(PerfMapping));
    }

    private static void Attempt(ManagedBpf.Maps.Map ringMap, ManagedBpf.Maps.Map perfMap, ManagedBpf.Maps.Map tooSmall, int highest)
    {
        Assert.Throws<ArgumentException>(() => new Buffers.Ring.RingBuffer(perfMap));
        Assert.Throws<ArgumentException>(() => new Buffers.Ring.UserRingBuffer(ringMap));
        Assert.Throws<ArgumentException>(() => new PerfBuffer(ringMap));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PerfBuffer(perfMap, new PerfBufferOptions { PageCount = 3 }));
        Assert.ThrowsAny<Exception>(() => Buffers.Ring.RingBuffer.OpenPinned("/sys/fs/bpf/managedbpf-nothing-pinned-here"));
        if (highest > 0)
            Assert.Throws<ArgumentException>(() => new PerfBuffer(tooSmall, new PerfBufferOptions { PageCount = 1 })); // after opening lower CPUs' rings
    }

    private static async Task Cycle(ManagedBpf.Maps.Map ringMap, ManagedBpf.Maps.Map otherRingMap, ManagedBpf.Maps.Map userMap, ManagedBpf.Maps.Map perfMap)
    {
        using (var set = new RingBufferSet())
        {
            set.Add(ringMap);
            set.Add(new Buffers.Ring.RingBuffer(otherRingMap.Handle));
            set.ConsumeAll(ref Unused);
            await set.WaitAsync(1); // starts the set's waiting thread, which Dispose must end
        }
        using (var user = new Buffers.Ring.UserRingBuffer(userMap))
            Assert.True(user.TryWrite(new byte[8]));
        using (var perf = new PerfBuffer(perfMap, new PerfBufferOptions { PageCount = 1 }))
        {
            var recorder = new Support.PerfRecorder();
            perf.ConsumeAll(ref recorder);
            await perf.WaitAsync(1);
        }
        var capture = new Buffers.Capture.PerfRingCapture(perfMap, ManagedBpf.Kernel.KernelInfo.OnlineCpus()[0], new PerfBufferOptions { PageCount = 1 });
        var captured = new Support.PerfRecorder();
        capture.Read(ref captured);
        _ = capture.Snapshot();
        capture.Dispose();
        Assert.Throws<ObjectDisposedException>(() => capture.Snapshot());
        Assert.Throws<ObjectDisposedException>(() => capture.Read(ref captured));
    }

    private static NoRecords Unused;

    private struct NoRecords : IRingRecordHandler
    {
        public readonly bool OnRecord(ReadOnlySpan<byte> payload) => true;
    }
}

internal static class LetExtension
{
    internal static TResult Let<T, TResult>(this T value, Func<T, TResult> function)
        where T : IDisposable
    {
        using (value)
            return function(value);
    }
}
