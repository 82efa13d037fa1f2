using ManagedBpf.Kernel;

namespace ManagedBpf.TestSupport;

/// <summary>
/// A fresh directory on a bpf filesystem for one test's pins: under a mounted bpffs when there is one,
/// else on a private bpffs mounted for the test (so the README's test command works on a fresh machine).
/// Everything inside is removed on dispose.
/// </summary>
public sealed class BpfFsDirectory : IDisposable
{
    private readonly string? _privateMount;

    /// <summary>Creates the directory.</summary>
    public BpfFsDirectory()
    {
        var mounts = KernelFileSystems.BpfFsMounts();
        var root = mounts.Count > 0 ? mounts[0] : null;
        if (root is null)
        {
            _privateMount = Directory.CreateTempSubdirectory("managedbpf-bpffs-").FullName;
            ExternalTool.Run("mount", "-t", "bpf", "bpf", _privateMount);
            root = _privateMount;
        }
        Path = Directory.CreateDirectory(System.IO.Path.Combine(root, $"managedbpf-test-{Environment.ProcessId}-{Guid.NewGuid():N}")).FullName;
    }

    /// <summary>The directory's path.</summary>
    public string Path { get; }

    /// <summary>A path for a pin inside the directory.</summary>
    public string this[string name] => System.IO.Path.Combine(Path, name);

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Directory.Exists(Path))
            Directory.Delete(Path, recursive: true); // bpffs supports unlink and rmdir: pins go, objects stay while referenced
        if (_privateMount is not null)
        {
            ExternalTool.Run("umount", _privateMount);
            Directory.Delete(_privateMount);
        }
    }
}
