namespace ManagedBpf.Loader.Tests;

internal static class Assertions
{
    /// <summary>Asserts that exactly a <see cref="BpfObjectFormatException"/> is thrown, locating the problem as given.</summary>
    public static BpfObjectFormatException ThrowsFormat(Action action, string messageFragment, string? section, long? offset)
    {
        var ex = Assert.Throws<BpfObjectFormatException>(action);
        Assert.Contains(messageFragment, ex.Message, StringComparison.Ordinal);
        Assert.Equal(section, ex.Section);
        Assert.Equal(offset, ex.Offset);
        if (section is not null)
        {
            Assert.Contains($"'{section}'", ex.Message, StringComparison.Ordinal);
        }

        if (offset is long o)
        {
            Assert.Contains($"0x{o:x}", ex.Message, StringComparison.Ordinal);
        }

        return ex;
    }
}
