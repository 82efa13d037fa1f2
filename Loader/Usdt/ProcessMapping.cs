using System.Globalization;

namespace ManagedBpf.Loader.Usdt;

/// <summary>One line of <c>/proc/PID/maps</c>: <c>start-end perms offset dev inode [path]</c>.</summary>
/// <param name="Start">First address of the mapping.</param>
/// <param name="End">One past its last address.</param>
/// <param name="Permissions">Such as <c>r-xp</c>.</param>
/// <param name="Offset">The file offset mapped at <paramref name="Start"/>.</param>
/// <param name="Path">The file (or <c>[heap]</c>…), empty for anonymous memory.</param>
public sealed record ProcessMapping(ulong Start, ulong End, string Permissions, ulong Offset, string Path)
{
    /// <summary>True when the mapping is executable (the third permission is <c>x</c>).</summary>
    public bool IsExecutable => Permissions.Length > 2 && Permissions[2] == 'x';

    /// <summary>Parses the text of a <c>/proc/PID/maps</c> file; lines that do not have the form are skipped.</summary>
    /// <param name="maps">The file's contents.</param>
    /// <returns>The mappings in order.</returns>
    public static IReadOnlyList<ProcessMapping> Parse(string maps)
    {
        ArgumentNullException.ThrowIfNull(maps);
        var result = new List<ProcessMapping>();
        foreach (var line in maps.Split('\n'))
        {
            // The path is everything after the inode, spaces included (minus the padding before it).
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 5 || fields[0].Split('-') is not [var start, var end]
                || !Hex(start, out var s) || !Hex(end, out var e) || !Hex(fields[2], out var offset))
                continue;
            result.Add(new ProcessMapping(s, e, fields[1], offset, fields.Length > 5 ? fields[5].TrimStart() : string.Empty));
        }

        return result;
    }

    private static bool Hex(string text, out ulong value) => ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
}
