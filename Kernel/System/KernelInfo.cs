using System.Globalization;

namespace ManagedBpf.Kernel;

/// <summary>Facts about the running kernel that BPF code needs, read from procfs and sysfs and cached.</summary>
public static class KernelInfo
{
    private static readonly Lazy<int[]> PossibleCpusLazy = new(() => ReadCpuList("/sys/devices/system/cpu/possible"));
    private static readonly Lazy<Version?> ReleaseLazy = new(() => ParseRelease(ReadReleaseString()));

    /// <summary>The page size, which sizes every BPF and perf mapping. Never assume 4096.</summary>
    public static int PageSize => Environment.SystemPageSize; // sysconf(_SC_PAGESIZE), as the runtime reads it.

    /// <summary>
    /// The possible CPUs: the ids per-CPU map values and perf buffers are indexed by. Read once: the set
    /// of possible CPUs is fixed at boot.
    /// </summary>
    public static IReadOnlyList<int> PossibleCpus => PossibleCpusLazy.Value;

    /// <summary>The number of possible CPUs (highest possible id + 1), the slot count of a per-CPU map value.</summary>
    public static int PossibleCpuCount => PossibleCpusLazy.Value.Length == 0 ? 1 : PossibleCpusLazy.Value[^1] + 1;

    /// <summary>The CPUs online now; read afresh each time because CPUs can go on and off line.</summary>
    public static int[] OnlineCpus() => ReadCpuList("/sys/devices/system/cpu/online");

    /// <summary>The kernel release string (<c>uname -r</c>), e.g. <c>6.18.0-1-amd64</c>.</summary>
    public static string ReleaseString => ReadReleaseString();

    /// <summary>The numeric kernel release (major.minor.patch), or null if it cannot be parsed.</summary>
    public static Version? Release => ReleaseLazy.Value;

    /// <summary>
    /// <c>LINUX_VERSION_CODE</c> of the running kernel, <c>(major &lt;&lt; 16) + (minor &lt;&lt; 8) + min(patch, 255)</c>,
    /// as programs see it through <c>LINUX_KERNEL_VERSION</c> and as old kernels want in <c>kern_version</c>.
    /// </summary>
    public static uint LinuxVersionCode => Release is { } v ? VersionCode(v) : 0;

    /// <summary>The value of <c>kernel.unprivileged_bpf_disabled</c>, or null if the file is absent.</summary>
    public static int? UnprivilegedBpfDisabled
    {
        get
        {
            try
            {
                return int.Parse(File.ReadAllText("/proc/sys/kernel/unprivileged_bpf_disabled").Trim(), CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                return null;
            }
        }
    }

    /// <summary>Computes <c>KERNEL_VERSION(a, b, c)</c> the way the kernel does (the patch level saturates at 255).</summary>
    public static uint VersionCode(Version version)
    {
        ArgumentNullException.ThrowIfNull(version);
        return ((uint)version.Major << 16) + ((uint)Math.Max(0, version.Minor) << 8) + (uint)Math.Clamp(version.Build, 0, 255);
    }

    /// <summary>Parses the numeric prefix of a release string: <c>6.18.44-fc-v769</c> → 6.18.44.</summary>
    public static Version? ParseRelease(string release)
    {
        ArgumentNullException.ThrowIfNull(release);
        Span<int> parts = stackalloc int[3];
        var count = 0;
        var i = 0;
        while (count < 3 && i < release.Length && char.IsAsciiDigit(release[i]))
        {
            var value = 0;
            while (i < release.Length && char.IsAsciiDigit(release[i]) && value < 100_000)
                value = value * 10 + (release[i++] - '0');
            parts[count++] = value;
            if (i < release.Length && release[i] == '.')
                i++;
            else
                break;
        }
        return count >= 2 ? new Version(parts[0], parts[1], count == 3 ? parts[2] : 0) : null;
    }

    private static string ReadReleaseString() => File.ReadAllText("/proc/sys/kernel/osrelease").Trim();

    private static int[] ReadCpuList(string path) => CpuList.Parse(File.ReadAllText(path));
}
