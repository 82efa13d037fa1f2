namespace ManagedBpf.TestSupport;

/// <summary>
/// Counts this process's open file descriptors (/proc/self/fd), to show that disposal leaks nothing.
/// Pending finalizers run first, so that SafeHandles another test abandoned cannot close between two counts.
/// </summary>
public static class OpenDescriptors
{
    /// <summary>The number of open descriptors now.</summary>
    public static int Count()
    {
        Settle();
        return Directory.GetFiles("/proc/self/fd").Length;
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
            try
            {
                if (new FileInfo(fd).LinkTarget?.Contains(kind, StringComparison.Ordinal) == true)
                    count++;
            }
            catch (IOException)
            {
                // Closed between listing and reading: not open any more.
            }
        }
        return count;
    }

    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
