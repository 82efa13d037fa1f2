using System.Numerics;

namespace ManagedBpf.Buffers.Ordering;

/// <summary>
/// The orderer's own buffers: power-of-two arrays kept in per-size stacks and reused, so a window that holds many
/// samples at once allocates only while it first grows (the shared pool keeps too few arrays per size for that).
/// Not <c>ArrayPool&lt;byte&gt;.Create(maxLength, maxKeptPerSize)</c>: that allocates every bucket's
/// <c>maxKeptPerSize</c>-slot array up front (up to 65536 slots per size here) and takes a lock on each rent, where
/// the orderer is single-threaded and its stacks grow only as far as the window does.
/// </summary>
internal sealed class SampleBufferPool(int maxKeptPerSize)
{
    private const int MinShift = 6; // 64 bytes
    private readonly Stack<byte[]>?[] _stacks = new Stack<byte[]>?[31];

    public byte[] Rent(int length)
    {
        var shift = Math.Max(MinShift, BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)Math.Max(length, 1))));
        var stack = _stacks[shift];
        return stack is not null && stack.TryPop(out var buffer) ? buffer : GC.AllocateUninitializedArray<byte>(1 << shift);
    }

    public void Return(byte[] buffer)
    {
        var shift = BitOperations.Log2((uint)buffer.Length);
        var stack = _stacks[shift] ??= new Stack<byte[]>();
        if (stack.Count < maxKeptPerSize)
            stack.Push(buffer);
    }

    public void Clear() => Array.Clear(_stacks);
}
