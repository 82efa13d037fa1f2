namespace ManagedBpf.Kernel.Tests;

public sealed class CpuListTests
{
    [Theory]
    [InlineData("0", new[] { 0 })]
    [InlineData("0-3", new[] { 0, 1, 2, 3 })]
    [InlineData("0-3,5,7-8\n", new[] { 0, 1, 2, 3, 5, 7, 8 })]
    [InlineData("2,0-1", new[] { 0, 1, 2 })]
    [InlineData("1,1,0-1", new[] { 0, 1 })]
    [InlineData("", new int[0])]
    [InlineData("\n", new int[0])]
    public void Parses_ids_ranges_and_gaps(string text, int[] expected) => Assert.Equal(expected, CpuList.Parse(text));

    [Theory]
    [InlineData("a", "Bad CPU id 'a'")]
    [InlineData("0-", "Bad CPU id ''")]
    [InlineData("3-1", "Descending range '3-1'")]
    [InlineData("0,,1", "Empty element")]
    [InlineData("-1", "Bad CPU id ''")]
    [InlineData("99999999", "Bad CPU id '99999999'")]
    public void Rejects_malformed_lists_quoting_the_bad_part(string text, string message)
    {
        var e = Assert.Throws<FormatException>(() => CpuList.Parse(text));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Possible_cpus_match_sysfs()
    {
        var possible = CpuList.Parse(File.ReadAllText("/sys/devices/system/cpu/possible"));
        Assert.Equal(possible, KernelInfo.PossibleCpus);
        Assert.Equal(possible[^1] + 1, KernelInfo.PossibleCpuCount);
        Assert.Subset(possible.ToHashSet(), KernelInfo.OnlineCpus().ToHashSet());
    }
}
