using System.Globalization;

namespace ManagedBpf.Kernel;

/// <summary>
/// The kernel's CPU list format, as in <c>/sys/devices/system/cpu/possible</c>: comma-separated ids and
/// inclusive ranges (<c>0-3,5,7-8</c>). CPU ids can have gaps, so a count is not a range.
/// </summary>
public static class CpuList
{
    /// <summary>Parses a CPU list into ascending, distinct CPU ids.</summary>
    /// <exception cref="FormatException">The text is not a CPU list; the message quotes the bad part.</exception>
    public static int[] Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new SortedSet<int>();
        foreach (var rawPart in text.Trim().Split(',', StringSplitOptions.None))
        {
            var part = rawPart.Trim();
            if (part.Length == 0)
            {
                if (text.Trim().Length == 0)
                    break; // An empty list (no CPUs) is how sysfs spells "none", e.g. for offline.
                throw new FormatException($"Empty element in CPU list '{text}'.");
            }
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            var first = ParseId(dash < 0 ? part : part[..dash], text);
            var last = dash < 0 ? first : ParseId(part[(dash + 1)..], text);
            if (last < first)
                throw new FormatException($"Descending range '{part}' in CPU list '{text}'.");
            for (var id = first; id <= last; id++)
                ids.Add(id);
        }
        return [.. ids];
    }

    private static int ParseId(string value, string text)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id > 1 << 20)
            throw new FormatException($"Bad CPU id '{value}' in CPU list '{text}'.");
        return id;
    }
}
