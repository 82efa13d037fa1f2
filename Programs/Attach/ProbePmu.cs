using System.Globalization;
using ManagedBpf.Kernel.Perf;

namespace ManagedBpf.Programs;

/// <summary>
/// A dynamic probe PMU (<c>kprobe</c> or <c>uprobe</c>) as sysfs describes it: its perf type, and where its
/// format puts the retprobe bit and the uprobe reference counter offset in <c>perf_event_attr.config</c>.
/// </summary>
internal static class ProbePmu
{
    /// <summary>
    /// The perf_event_attr for a probe: <c>config1</c> points at <paramref name="name"/> (a kernel function or a
    /// binary's path, NUL-terminated, read by the kernel during perf_event_open), <c>config2</c> is the offset.
    /// </summary>
    internal static unsafe PerfEventAttr Attr(string pmu, byte* name, ulong offset, bool retprobe, ulong refCounterOffset)
    {
        var type = Kernel.FeatureProbe.PmuType(pmu) ?? throw new InvalidOperationException($"The {pmu} PMU disappeared.");
        var config = retprobe ? 1UL << FormatShift(pmu, "retprobe") : 0;
        if (refCounterOffset != 0)
            config |= refCounterOffset << FormatShift(pmu, "ref_ctr_offset");
        return new PerfEventAttr { type = (uint)type, config = config, config1 = (ulong)name, config2 = offset };
    }

    /// <summary>The first bit of a format field: <c>/sys/bus/event_source/devices/&lt;pmu&gt;/format/&lt;field&gt;</c> reads "config:0" or "config:32-63".</summary>
    internal static int FormatShift(string pmu, string field)
    {
        var path = Path.Combine("/sys/bus/event_source/devices", pmu, "format", field);
        var text = File.ReadAllText(path).Trim();
        return ParseFormatShift(text) ?? throw new InvalidOperationException($"{path} reads '{text}', not config:<bit>[-<bit>].");
    }

    /// <summary>The first bit of a "config:N" or "config:N-M" format, or null for anything else.</summary>
    internal static int? ParseFormatShift(string format)
    {
        const string prefix = "config:";
        if (!format.StartsWith(prefix, StringComparison.Ordinal))
            return null;
        var bits = format.AsSpan(prefix.Length);
        var dash = bits.IndexOf('-');
        return int.TryParse(dash < 0 ? bits : bits[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var bit) && bit < 64 ? bit : null;
    }
}
