namespace ManagedBpf.TestSupport;

/// <summary>
/// Counts this process's open file descriptors (/proc/self/fd), to show that disposal leaks nothing.
/// Pending finalizers run first, so that SafeHandles another test abandoned cannot close between two counts.
/// </summary>
public static class OpenDescriptors
{
    /// <summary>
    /// The number of open descriptors now, less those the runtime opens on its own schedule: assemblies and
    /// their symbols (a stack trace formatted by another test opens a .pdb), shared libraries, pipes and sockets.
    /// What this library opens (BPF objects, perf events, epoll, eventfd, object files) is all counted.
    /// </summary>
    public static int Count()
    {
        Settle();
        var count = 0;
        foreach (var fd in Directory.GetFiles("/proc/self/fd"))
        {
            if (Target(fd) is { } target && !IsRuntimes(target))
                count++;
        }
        return count;
    }

    /// <summary>
    /// The descriptors whose link target contains <paramref name="kind"/> (e.g. "bpf-map", "bpf-prog",
    /// "perf_event"; a new link shows as "anon_inode:bpf_link", a reopened one as "bpf-link").
    /// </summary>
    public static int Count(string kind)
    {
        Settle();
        var count = 0;
        foreach (var fd in Directory.GetFiles("/proc/self/fd"))
        {
            if (Target(fd)?.Contains(kind, StringComparison.Ordinal) == true)
                count++;
        }
        return count;
    }

    private static string? Target(string fd)
    {
        try
        {
            return new FileInfo(fd).LinkTarget;
        }
        catch (IOException)
        {
            return null; // closed between listing and reading: not open any more
        }
    }

    private static bool IsRuntimes(string target) =>
        target.StartsWith("pipe:", StringComparison.Ordinal)
        || target.StartsWith("socket:", StringComparison.Ordinal)
        || target.EndsWith(".dll", StringComparison.Ordinal)
        || target.EndsWith(".pdb", StringComparison.Ordinal)
        || target.EndsWith(".so", StringComparison.Ordinal)
        || target.Contains(".so.", StringComparison.Ordinal);

    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
