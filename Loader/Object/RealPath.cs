namespace ManagedBpf.Loader;

/// <summary>
/// A path with every symbolic link resolved, as <c>realpath(3)</c> gives it: the name under which <c>/proc/PID/maps</c>
/// shows a mapped file (on merged-/usr systems <c>/lib/x86_64-linux-gnu/libc.so.6</c> shows as <c>/usr/lib/…</c>).
/// </summary>
internal static class RealPath
{
    /// <summary>Resolves <paramref name="path"/>, component by component; gives up after 40 links (ELOOP) and returns the path reached.</summary>
    internal static string Resolve(string path)
    {
        var parts = new Queue<string>(Path.GetFullPath(path).Split('/', StringSplitOptions.RemoveEmptyEntries));
        var resolved = "/";
        for (var links = 0; parts.Count > 0;)
        {
            var part = parts.Dequeue();
            var next = Path.Combine(resolved, part);
            if (links < 40 && new FileInfo(next).LinkTarget is { } target)
            {
                links++;
                // The target replaces this component; what follows it is resolved after the target's own components.
                var rest = parts.ToArray();
                parts.Clear();
                var absolute = Path.GetFullPath(target, resolved);
                foreach (var p in absolute.Split('/', StringSplitOptions.RemoveEmptyEntries).Concat(rest))
                    parts.Enqueue(p);
                resolved = "/";
                continue;
            }

            resolved = next;
        }

        return resolved;
    }
}
