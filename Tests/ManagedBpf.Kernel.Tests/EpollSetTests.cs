using System.Diagnostics;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Kernel.Tests;

public sealed class EpollSetTests
{
    [Fact]
    public void Times_out_with_nothing_ready()
    {
        using var epoll = new EpollSet();
        Span<EpollReady> ready = stackalloc EpollReady[4];
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, epoll.Wait(ready, 50));
        Assert.True(clock.ElapsedMilliseconds >= 45, $"returned after {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Interrupt_wakes_a_blocked_wait()
    {
        using var epoll = new EpollSet();
        var waiting = new BlockingCall<int>(() => epoll.Wait(new EpollReady[1], -1));
        await waiting.WaitUntilBlockedInEpollAsync();
        epoll.Interrupt();
        Assert.Equal(0, await waiting.Completion.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Cancellation_ends_a_blocked_wait()
    {
        using var epoll = new EpollSet();
        using var cts = new CancellationTokenSource();
        var waiting = new BlockingCall<int>(() => epoll.Wait(new EpollReady[1], -1, cts.Token));
        await waiting.WaitUntilBlockedInEpollAsync();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.Completion.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Dispose_wakes_a_thread_blocked_in_wait()
    {
        var epoll = new EpollSet();
        var waiting = new BlockingCall<int>(() => epoll.Wait(new EpollReady[1], -1));
        await waiting.WaitUntilBlockedInEpollAsync();
        epoll.Dispose();
        Assert.Equal(0, await waiting.Completion.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Throws<ObjectDisposedException>(() => epoll.Wait(new EpollReady[1], 0));
    }

    [KernelFact]
    public void Reports_readiness_with_the_callers_data()
    {
        // A user ring buffer with free space is writable: EPOLLOUT at once.
        using var map = KernelObjects.CreateMap(BpfMapType.USER_RINGBUF, 0, 0, (uint)KernelInfo.PageSize);
        using var epoll = new EpollSet();
        epoll.Add(map, EpollEvents.Out, 42);
        Span<EpollReady> ready = stackalloc EpollReady[4];
        Assert.Equal(1, epoll.Wait(ready, 1000));
        Assert.Equal(42ul, ready[0].Data);
        Assert.True(ready[0].Events.HasFlag(EpollEvents.Out));

        epoll.Remove(map);
        Assert.Equal(0, epoll.Wait(ready, 0));
    }
}
