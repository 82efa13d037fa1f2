namespace ManagedBpf.Loader.Tests;

/// <summary>The known section names offered for one no table row matches: nearest kind first, then nearest whole name.</summary>
public sealed class SectionSuggestionTests
{
    [Theory]
    [InlineData(".xdp", "xdp,xdp.frags,xdp/devmap")]
    [InlineData("?.xdp", "xdp,xdp.frags,xdp/devmap")]
    [InlineData("kprboe/do_unlinkat", "kprobe,kprobe.multi,kprobe.session")]
    [InlineData("fsessions/vfs_read", "fsession,fsession.s,fsession.multi")]
    [InlineData("cgroup/connect", "cgroup/connect4,cgroup/connect6")]
    [InlineData("socket/type_ids", "socket")]
    [InlineData("tracepiont/syscalls/sys_enter_execve", "tracepoint,tracepoint.s")]
    public void Nearest_names_share_the_kind_written(string section, string nearestFirst)
    {
        var expected = nearestFirst.Split(',');
        Assert.Equal(expected, SectionTable.Nearest(section).Take(expected.Length));
    }

    [Fact]
    public void Nearest_returns_as_many_names_as_asked()
    {
        Assert.Single(SectionTable.Nearest(".xdp", 1));
        Assert.Empty(SectionTable.Nearest(".xdp", 0));
        Assert.Equal(SectionTable.Definitions.Count, SectionTable.Nearest("x", int.MaxValue).Count);
    }

    [Fact]
    public void A_negative_count_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SectionTable.Nearest(".xdp", -1));
}
