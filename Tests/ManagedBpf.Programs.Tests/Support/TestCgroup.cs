namespace ManagedBpf.Programs.Tests;

/// <summary>
/// A fresh cgroup v2 directory under the first cgroup2 mount (here the hybrid layout's
/// /sys/fs/cgroup/unified). Processes moved in are moved back to the root before the directory is removed.
/// </summary>
internal sealed class TestCgroup : IDisposable
{
    public TestCgroup()
    {
        var root = File.ReadAllLines("/proc/self/mounts").Select(l => l.Split(' ')).FirstOrDefault(f => f.Length > 2 && f[2] == "cgroup2")?[1];
        Assert.True(root is not null, "no cgroup2 filesystem is mounted");
        Root = root;
        Path = Directory.CreateDirectory(System.IO.Path.Combine(root, $"managedbpf-test-{Environment.ProcessId}-{Guid.NewGuid():N}")).FullName;
    }

    public string Root { get; }

    public string Path { get; }

    /// <summary>Moves a process (all its threads) into the cgroup: sockets it creates from then on belong to it.</summary>
    public void Add(int pid) => File.WriteAllText(System.IO.Path.Combine(Path, "cgroup.procs"), pid.ToString());

    public void Dispose()
    {
        foreach (var pid in File.ReadAllLines(System.IO.Path.Combine(Path, "cgroup.procs")))
            File.WriteAllText(System.IO.Path.Combine(Root, "cgroup.procs"), pid);
        Directory.Delete(Path);
    }
}
