using System.Globalization;

namespace ManagedBpf.Kernel.Tests;

/// <summary>
/// The simulators' memory: usable pages between two inaccessible ones, so that a reader straying past either end of a
/// simulated ring faults in the tests instead of reading a neighbour's bytes.
/// </summary>
public sealed unsafe class GuardedMemoryTests
{
    [Fact]
    public void Usable_pages_are_zeroed_and_writable_between_two_inaccessible_guard_pages()
    {
        var page = (ulong)KernelInfo.PageSize;
        using var memory = GuardedMemory.Allocate((nuint)(page + 1));
        var start = (ulong)memory.Pointer;
        Assert.Equal(2 * page, (ulong)memory.Length); // rounded up to whole pages
        Assert.Equal(0ul, start % page);

        var span = new Span<byte>(memory.Pointer, (int)memory.Length);
        Assert.True(span.IndexOfAnyExcept((byte)0) < 0);
        span.Fill(0xa5);

        Assert.Equal("rw-p", Protection(start));
        Assert.Equal("rw-p", Protection(start + (2 * page) - 1));
        Assert.Equal("---p", Protection(start - 1));
        Assert.Equal("---p", Protection(start + (2 * page)));
    }

    /// <summary>The permissions of the mapping holding <paramref name="address"/>, from /proc/self/maps, or null.</summary>
    private static string? Protection(ulong address)
    {
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var fields = line.Split(' ', 3);
            var range = fields[0].Split('-');
            var (from, to) = (ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture), ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            if (address >= from && address < to)
                return fields[1];
        }

        return null;
    }
}
