using System.Globalization;

namespace ManagedBpf.Kernel;

/// <summary>
/// The capabilities of this process (<c>CapEff</c> in /proc/self/status), as the bpf() checks see them: on 6.x
/// kernels CAP_SYS_ADMIN stands in for CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN alike (bpf_token_capable).
/// </summary>
internal static class Capabilities
{
    internal const int NetAdmin = 12;
    internal const int SysAdmin = 21;
    internal const int Perfmon = 38;
    internal const int Bpf = 39;

    /// <summary>Whether the process holds <paramref name="capability"/> or CAP_SYS_ADMIN; true when procfs cannot say.</summary>
    internal static bool Grants(int capability)
    {
        var effective = Effective();
        return effective is not { } mask || (mask & (1UL << capability)) != 0 || (mask & (1UL << SysAdmin)) != 0;
    }

    /// <summary>The kernel's name of a capability.</summary>
    internal static string Name(int capability) => capability switch
    {
        NetAdmin => "CAP_NET_ADMIN",
        SysAdmin => "CAP_SYS_ADMIN",
        Perfmon => "CAP_PERFMON",
        Bpf => "CAP_BPF",
        _ => $"capability {capability.ToString(CultureInfo.InvariantCulture)}",
    };

    private static ulong? Effective()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("CapEff:", StringComparison.Ordinal))
                    return ulong.Parse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return null;
    }
}
