namespace ManagedBpf.Kernel.Tests;

public sealed class KernelConfigTests
{
    [Fact]
    public void Parses_tristates_numbers_and_strings()
    {
        var config = KernelConfig.Parse(new StringReader("""
            #
            # Linux/x86 6.18 Kernel Configuration
            #
            CONFIG_BPF=y
            CONFIG_XFS_FS=m
            CONFIG_HZ=250
            CONFIG_LOCALVERSION="-custom \"quoted\""
            # CONFIG_KPROBES is not set

            """));
        Assert.Equal("y", config["CONFIG_BPF"]);
        Assert.Equal("m", config["CONFIG_XFS_FS"]);
        Assert.Equal("250", config["CONFIG_HZ"]);
        Assert.Equal("-custom \"quoted\"", config["CONFIG_LOCALVERSION"]);
        Assert.Null(config["CONFIG_KPROBES"]);
        Assert.Equal(4, config.Count);
    }

    [Fact]
    public void Rejects_lines_that_are_not_options()
    {
        var e = Assert.Throws<FormatException>(() => KernelConfig.Parse(new StringReader("CONFIG_A=y\ngarbage\n")));
        Assert.Contains("line 2", e.Message);
        Assert.Contains("'garbage'", e.Message);
    }

    [Fact]
    public void Reads_the_running_kernels_config()
    {
        var config = KernelConfig.Current;
        Assert.NotNull(config);
        Assert.Equal("y", config["CONFIG_BPF"]);
        Assert.Equal("y", config["CONFIG_BPF_SYSCALL"]);
        Assert.True(config.Count > 500);
        // The config and the PMU list agree on kprobes.
        Assert.Equal(config["CONFIG_KPROBE_EVENTS"] == "y", FeatureProbe.PmuType("kprobe") is not null); // the kprobe PMU needs KPROBE_EVENTS
    }
}
