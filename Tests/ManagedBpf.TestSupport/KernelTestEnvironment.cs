using System.Globalization;

namespace ManagedBpf.TestSupport;

/// <summary>
/// Decides whether kernel tests run. Without CAP_BPF (or CAP_SYS_ADMIN) they skip and say why; with
/// MANAGEDBPF_REQUIRE_KERNEL=1 (set by CI) they always run, so a missing capability fails them instead.
/// </summary>
public static class KernelTestEnvironment
{
    private const int CapSysAdmin = 21;
    private const int CapBpf = 39;

    /// <summary>Whether MANAGEDBPF_REQUIRE_KERNEL=1 is set.</summary>
    public static bool KernelRequired => Environment.GetEnvironmentVariable("MANAGEDBPF_REQUIRE_KERNEL") == "1";

    /// <summary>The reason kernel tests skip here, or null when they run.</summary>
    public static string? SkipReason
    {
        get
        {
            if (KernelRequired)
                return null;
            if (!OperatingSystem.IsLinux())
                return "Kernel tests need Linux.";
            var effective = EffectiveCapabilities();
            if ((effective & (1UL << CapBpf)) != 0 || (effective & (1UL << CapSysAdmin)) != 0)
                return null;
            return "Kernel tests need CAP_BPF and CAP_PERFMON (or root); run as root, or set MANAGEDBPF_REQUIRE_KERNEL=1 to fail instead of skipping.";
        }
    }

    /// <summary>The CapEff mask of this process, from /proc/self/status.</summary>
    public static ulong EffectiveCapabilities()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("CapEff:", StringComparison.Ordinal))
                return ulong.Parse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }
        return 0;
    }
}
