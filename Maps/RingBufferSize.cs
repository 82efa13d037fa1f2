using System.Numerics;
using ManagedBpf.Kernel;

namespace ManagedBpf.Maps;

/// <summary>
/// The kernel's rule for a ring buffer's size (<c>max_entries</c>): the data size in bytes, a power of two
/// and a multiple of the page size. Checked before the syscall so the error states the rule.
/// </summary>
public static class RingBufferSize
{
    /// <summary>The largest valid size: max_entries is a u32, so the largest power of two is 2^31.</summary>
    public const ulong Max = 1UL << 31;

    /// <summary>Whether <paramref name="size"/> is a valid ring buffer size on this machine.</summary>
    public static bool IsValid(ulong size) => BpfErrorHints.RingBufferSizeRule(size) is null && size <= Max;

    /// <summary>The smallest valid size at least <paramref name="size"/> (at least one page).</summary>
    /// <exception cref="ArgumentOutOfRangeException">No valid size is that large.</exception>
    public static uint RoundUp(ulong size)
    {
        var page = (ulong)KernelInfo.PageSize;
        var rounded = Math.Max(BitOperations.RoundUpToPowerOf2(Math.Max(size, 1)), page);
        if (size > Max || rounded > Max)
            throw new ArgumentOutOfRangeException(nameof(size), size, $"A ring buffer holds at most {Max} bytes.");
        return (uint)rounded;
    }

    /// <summary>Returns <paramref name="size"/> if valid, else rounds it up or throws with the rule.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is invalid and <paramref name="roundUp"/> is false.</exception>
    public static uint Check(ulong size, bool roundUp)
    {
        if (IsValid(size))
            return (uint)size;
        if (roundUp)
            return RoundUp(size);
        throw new ArgumentOutOfRangeException(nameof(size), size,
            size > Max ? $"A ring buffer holds at most {Max} bytes; got {size}." : BpfErrorHints.RingBufferSizeRule(size));
    }
}
