namespace ManagedBpf.Kernel.Tests;

public sealed class KernelInfoTests
{
    [Theory]
    [InlineData("6.18.44-fc-v769", 6, 18, 44)]
    [InlineData("5.15.0-91-generic", 5, 15, 0)]
    [InlineData("6.1.0-13-amd64", 6, 1, 0)]
    [InlineData("4.19", 4, 19, 0)]
    [InlineData("5.4.300", 5, 4, 300)]
    public void Parses_release_strings(string release, int major, int minor, int patch) =>
        Assert.Equal(new Version(major, minor, patch), KernelInfo.ParseRelease(release));

    [Theory]
    [InlineData("")]
    [InlineData("linux")]
    [InlineData("6")]
    public void Unparseable_releases_give_null(string release) => Assert.Null(KernelInfo.ParseRelease(release));

    [Fact]
    public void Version_code_is_the_kernels_and_saturates_the_patch_level()
    {
        Assert.Equal((6u << 16) + (1u << 8) + 0, KernelInfo.VersionCode(new Version(6, 1, 0)));
        Assert.Equal((5u << 16) + (4u << 8) + 255, KernelInfo.VersionCode(new Version(5, 4, 300)));
    }

    [Fact]
    public void Running_kernel_is_described()
    {
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), KernelInfo.ReleaseString);
        Assert.NotNull(KernelInfo.Release);
        Assert.Equal(KernelInfo.VersionCode(KernelInfo.Release!), KernelInfo.LinuxVersionCode);
        Assert.Equal(Environment.SystemPageSize, KernelInfo.PageSize);
    }

    [Fact]
    public void Object_names_are_truncated_and_cleaned_as_libbpf_does()
    {
        Span<byte> field = stackalloc byte[BpfObjectName.Capacity];
        BpfObjectName.Write("a_very_long_program_name", field);
        Assert.Equal("a_very_long_pro", BpfObjectName.Read(field));
        BpfObjectName.Write("my-map.bss", field);
        Assert.Equal("my_map.bss", BpfObjectName.Read(field));
        BpfObjectName.Write(null, field);
        Assert.Equal("", BpfObjectName.Read(field));
    }
}
