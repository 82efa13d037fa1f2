using ManagedBpf.Kernel;
using ManagedBpf.TestSupport;
using static ManagedBpf.Maps.Tests.Specs;

namespace ManagedBpf.Maps.Tests;

public sealed class QueueStackTests
{
    [KernelFact]
    public void Queue_is_first_in_first_out()
    {
        using var queue = Map.Create(Of(BpfMapType.QUEUE, 0, 4, 3));
        foreach (var v in new uint[] { 1, 2, 3 })
            queue.Push(U32(v));
        var value = new byte[4];
        Assert.True(queue.TryPeek(value));
        Assert.Equal(1u, BitConverter.ToUInt32(value));
        Assert.Equal([1u, 2u, 3u], Drain(queue));
        Assert.False(queue.TryPop(value));
    }

    [KernelFact]
    public void Stack_is_last_in_first_out()
    {
        using var stack = Map.Create(Of(BpfMapType.STACK, 0, 4, 3));
        foreach (var v in new uint[] { 1, 2, 3 })
            stack.Push(U32(v));
        Assert.Equal([3u, 2u, 1u], Drain(stack));
    }

    [KernelFact]
    public void A_full_queue_refuses_unless_told_to_overwrite()
    {
        using var queue = Map.Create(Of(BpfMapType.QUEUE, 0, 4, 2, name: "q"));
        queue.Push(U32(1));
        queue.Push(U32(2));
        var full = Assert.Throws<BpfSyscallException>(() => queue.Push(U32(3)));
        Assert.Equal(Errno.E2BIG, full.Errno);
        Assert.Contains("map is full", full.Message);
        queue.Push(U32(3), MapUpdateFlags.Exist); // BPF_EXIST drops the oldest
        Assert.Equal([2u, 3u], Drain(queue));
    }

    [KernelFact]
    public void Queues_have_no_key()
    {
        using var queue = Map.Create(Of(BpfMapType.QUEUE, 0, 4, 2));
        var e = Assert.Throws<ArgumentException>(() => queue.Update(U32(0), U32(1)));
        Assert.Contains("QUEUE maps have no key", e.Message);
        var create = Assert.Throws<BpfSyscallException>(() => Map.Create(Of(BpfMapType.QUEUE, 4, 4, 2)));
        Assert.Contains("QUEUE maps take key_size 0", create.Message);
    }

    private static List<uint> Drain(Map map)
    {
        var result = new List<uint>();
        var value = new byte[4];
        while (map.TryPop(value))
            result.Add(BitConverter.ToUInt32(value));
        return result;
    }
}
