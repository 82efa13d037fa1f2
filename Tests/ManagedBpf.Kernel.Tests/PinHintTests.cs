using ManagedBpf.TestSupport;

namespace ManagedBpf.Kernel.Tests;

/// <summary>
/// A pin off bpffs fails with EPERM (pin) or EACCES (get) even for root: the hint must name the filesystem,
/// not a capability, and only a path on bpffs may get the capability hint.
/// </summary>
public sealed class PinHintTests
{
    private static readonly string OffBpfFs = Path.Combine(Path.GetTempPath(), "managedbpf-pins", "events");

    [Theory]
    [InlineData(BpfCommand.OBJ_PIN, Errno.EPERM)]
    [InlineData(BpfCommand.OBJ_PIN, Errno.ENOENT)]
    [InlineData(BpfCommand.OBJ_GET, Errno.EACCES)]
    [InlineData(BpfCommand.OBJ_GET, Errno.EPERM)]
    public void A_path_off_bpffs_is_named_as_the_cause_and_nothing_else(BpfCommand command, Errno errno)
    {
        var hint = BpfErrorHints.ForPath(command, errno, OffBpfFs);
        Assert.StartsWith($"{OffBpfFs} is not on a bpf filesystem, and a pin must be on a bpf filesystem", hint);
        Assert.DoesNotContain("CAP_", hint);
    }

    [KernelFact]
    public void On_bpffs_eperm_names_the_capability_and_a_missing_directory_is_named()
    {
        using var dir = new BpfFsDirectory();
        Assert.Contains("CAP_BPF", BpfErrorHints.ForPath(BpfCommand.OBJ_PIN, Errno.EPERM, dir["events"]));
        Assert.DoesNotContain("bpf filesystem", BpfErrorHints.ForPath(BpfCommand.OBJ_PIN, Errno.EPERM, dir["events"]));
        Assert.Equal($"The directory {dir["missing"]} does not exist: create it on the bpf filesystem first (mkdir -p).",
            BpfErrorHints.ForPath(BpfCommand.OBJ_PIN, Errno.ENOENT, Path.Combine(dir["missing"], "events")));
        Assert.Equal("Nothing is pinned at that path.", BpfErrorHints.ForPath(BpfCommand.OBJ_GET, Errno.ENOENT, dir["events"]));
    }

    [KernelFact]
    public void Pinning_off_bpffs_as_root_throws_with_the_bpffs_hint_only()
    {
        using var map = KernelObjects.CreateMap(BpfMapType.ARRAY, 4, 4, 1);
        var dir = Directory.CreateTempSubdirectory("managedbpf-not-bpffs-");
        try
        {
            var path = Path.Combine(dir.FullName, "events");
            var pin = Assert.Throws<BpfSyscallException>(() => Bpf.ObjPin(map, path));
            Assert.Equal($"{path} is not on a bpf filesystem, and a pin must be on a bpf filesystem: use a path under one (such as /sys/fs/bpf; mount one with mount -t bpf bpf DIR).", pin.Hint);
            File.WriteAllText(path, "");
            var get = Assert.Throws<BpfSyscallException>(() => Bpf.ObjGet(path, 0));
            Assert.DoesNotContain("CAP_", get.Message);
            Assert.Contains("is not on a bpf filesystem", get.Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
