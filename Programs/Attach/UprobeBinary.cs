using System.Runtime.InteropServices;

namespace ManagedBpf.Programs;

/// <summary>Finds the file a uprobe names, as libbpf's <c>resolve_full_path</c> does.</summary>
public static class UprobeBinary
{
    /// <summary>
    /// A path with a <c>/</c> is used as it is. A bare name containing <c>.so</c> is a shared library, looked
    /// for in <c>LD_LIBRARY_PATH</c>, then <c>/usr/lib64:/usr/lib</c>, then the multiarch directory
    /// (<c>/lib/x86_64-linux-gnu</c>, <c>/lib/aarch64-linux-gnu</c>); any other bare name is an executable,
    /// looked for in <c>PATH</c>, then <c>/usr/bin:/usr/sbin</c>.
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file in any of those places.</exception>
    public static string ResolvePath(string binary)
    {
        ArgumentException.ThrowIfNullOrEmpty(binary);
        if (binary.Contains('/', StringComparison.Ordinal))
            return File.Exists(binary) ? binary : throw new FileNotFoundException($"No binary at {binary} to probe.", binary);
        var library = binary.EndsWith(".so", StringComparison.Ordinal) || binary.Contains(".so.", StringComparison.Ordinal);
        foreach (var directory in SearchPath(library))
        {
            var candidate = Path.Combine(directory, binary);
            if (File.Exists(candidate) && (library || IsExecutable(candidate)))
                return candidate;
        }
        throw new FileNotFoundException(
            $"No {(library ? "library" : "executable")} '{binary}' in {string.Join(':', SearchPath(library))}; give its full path.", binary);
    }

    private static IEnumerable<string> SearchPath(bool library)
    {
        var paths = library
            ? new[] { Environment.GetEnvironmentVariable("LD_LIBRARY_PATH"), "/usr/lib64:/usr/lib", MultiarchLibraryPath }
            : new[] { Environment.GetEnvironmentVariable("PATH"), "/usr/bin:/usr/sbin" };
        return paths.Where(p => !string.IsNullOrEmpty(p)).SelectMany(p => p!.Split(':', StringSplitOptions.RemoveEmptyEntries));
    }

    private static string? MultiarchLibraryPath => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => "/lib/x86_64-linux-gnu",
        Architecture.Arm64 => "/lib/aarch64-linux-gnu",
        _ => null,
    };

    private static bool IsExecutable(string path) => !OperatingSystem.IsWindows()
        && (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}
