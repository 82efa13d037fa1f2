using ManagedBpf.TestSupport;

namespace ManagedBpf.Kernel.Tests;

public sealed class KernelFileSystemsTests
{
    private const string BpfFsMagic = "cafe4a11";
    private const string TraceFsMagic = "74726163";

    [KernelFact]
    public void Every_bpffs_found_is_one_and_paths_under_it_are_recognised()
    {
        using var dir = new BpfFsDirectory(); // mounts a private bpffs when none is mounted
        var mounts = KernelFileSystems.BpfFsMounts();
        Assert.NotEmpty(mounts);
        Assert.All(mounts, m => Assert.Equal(BpfFsMagic, FsMagic(m)));
        Assert.Contains(KernelFileSystems.BpfFsPath(), mounts);
        Assert.True(KernelFileSystems.IsOnBpfFs(dir.Path));
        Assert.True(KernelFileSystems.IsOnBpfFs(dir["not-yet-created"]));
        Assert.False(KernelFileSystems.IsOnBpfFs(Path.GetTempPath()));
    }

    [Fact]
    public void Tracefs_is_found_when_mounted_and_explained_when_not()
    {
        if (KernelFileSystems.TraceFsPath() is { } tracefs)
        {
            Assert.True(Directory.Exists(Path.Combine(tracefs, "events")));
            Assert.Equal(TraceFsMagic, FsMagic(tracefs));
            Assert.Equal(tracefs, KernelFileSystems.RequireTraceFs());
        }
        else
        {
            var e = Assert.Throws<DirectoryNotFoundException>(KernelFileSystems.RequireTraceFs);
            Assert.Contains("mount -t tracefs", e.Message);
        }
    }

    private static string FsMagic(string path) => ExternalTool.Run("stat", $"--file-system --format=%t {path}").Trim();
}
