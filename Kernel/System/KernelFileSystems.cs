namespace ManagedBpf.Kernel;

/// <summary>Finds the pseudo-filesystems BPF work needs (bpffs for pins, tracefs for tracepoints) in the mount table.</summary>
public static class KernelFileSystems
{
    /// <summary>The default bpffs mount point.</summary>
    public const string DefaultBpfFsPath = "/sys/fs/bpf";

    /// <summary>The bpffs to pin under: <c>/sys/fs/bpf</c> when it is one, else the first bpffs mounted, else null.</summary>
    public static string? BpfFsPath()
    {
        var mounts = BpfFsMounts();
        return mounts.Contains(DefaultBpfFsPath) ? DefaultBpfFsPath : mounts.Count > 0 ? mounts[0] : null;
    }

    /// <summary>The mount points of every bpf filesystem, in mount-table order.</summary>
    public static IReadOnlyList<string> BpfFsMounts() => MountsOfType("bpf");

    /// <summary>
    /// The tracefs directory (the one holding <c>events/</c>): a tracefs mount, preferring
    /// <c>/sys/kernel/tracing</c>, else <c>tracing/</c> under a mounted debugfs, else null.
    /// </summary>
    public static string? TraceFsPath()
    {
        var tracefs = MountsOfType("tracefs");
        if (tracefs.Contains("/sys/kernel/tracing"))
            return "/sys/kernel/tracing";
        if (tracefs.Count > 0)
            return tracefs[0];
        foreach (var debugfs in MountsOfType("debugfs"))
        {
            var candidate = Path.Combine(debugfs, "tracing");
            if (Directory.Exists(Path.Combine(candidate, "events")))
                return candidate;
        }
        return null;
    }

    /// <summary>
    /// The tracefs directory. When none is mounted, mounts tracefs at <c>/sys/kernel/tracing</c> as bpftool
    /// does (root only); otherwise the exception says how to mount it.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">No tracefs is mounted and it could not be mounted here.</exception>
    public static string RequireTraceFs() => TraceFsPath()
        ?? MountOrExplain("tracefs", "/sys/kernel/tracing", () => TraceFsPath());

    /// <summary>
    /// The bpffs to pin under (<see cref="BpfFsPath"/>). When none is mounted, mounts one at
    /// <c>/sys/fs/bpf</c> as bpftool does (root only); otherwise the exception says how.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">No bpffs is mounted and it could not be mounted here.</exception>
    public static string RequireBpfFs() => BpfFsPath()
        ?? MountOrExplain("bpf", DefaultBpfFsPath, BpfFsPath);

    private static string MountOrExplain(string type, string target, Func<string?> find)
    {
        var hint = $"mount -t {type} {type} {target}";
        if (Directory.Exists(target) && Interop.Libc.Mount(type, target, type, 0, 0) == 0 && find() is { } mounted)
            return mounted;
        var errno = (Errno)System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        throw new DirectoryNotFoundException($"No {type} filesystem is mounted and mounting one at {target} failed ({BpfSyscallException.NameOf(errno)}): run {hint} as root.");
    }

    /// <summary>Whether <paramref name="path"/> lies on a bpf filesystem (the mount with the longest matching prefix is bpf).</summary>
    public static bool IsOnBpfFs(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        string? bestType = null;
        var bestLength = -1;
        foreach (var (mountPoint, type) in ReadMounts())
        {
            var under = full == mountPoint || full.StartsWith(mountPoint.EndsWith('/') ? mountPoint : mountPoint + "/", StringComparison.Ordinal);
            if (under && mountPoint.Length >= bestLength)
            {
                bestLength = mountPoint.Length;
                bestType = type;
            }
        }
        return bestType == "bpf";
    }

    private static List<string> MountsOfType(string fsType) =>
        [.. ReadMounts().Where(m => m.Type == fsType).Select(m => m.MountPoint)];

    /// <summary>Parses /proc/self/mounts: "device mountpoint type options dump pass", with octal escapes for spaces.</summary>
    private static IEnumerable<(string MountPoint, string Type)> ReadMounts()
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/self/mounts");
        }
        catch (IOException)
        {
            yield break;
        }
        foreach (var line in lines)
        {
            var fields = line.Split(' ');
            if (fields.Length >= 3)
                yield return (Unescape(fields[1]), fields[2]);
        }
    }

    private static string Unescape(string field) => field.Contains('\\', StringComparison.Ordinal)
        ? System.Text.RegularExpressions.Regex.Replace(field, @"\\([0-7]{3})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString())
        : field;
}
