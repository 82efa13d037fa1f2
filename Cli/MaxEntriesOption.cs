using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using ManagedBpf.Loader;

namespace ManagedBpf.Cli;

/// <summary>
/// <c>--max-entries MAP=N</c>: a map's size before loading, as a libbpf tool's user space sets it with
/// <c>bpf_map__set_max_entries</c> (libbpf-tools leave <c>max_entries</c> 0 in the object for maps they size at run
/// time, which the kernel refuses). A ring buffer's size is rounded up as libbpf rounds it.
/// </summary>
internal static class MaxEntriesOption
{
    private const string Rule = "MAP=N with N a whole number from 1 to 4294967295";

    internal static Option<(string Map, uint MaxEntries)[]> Create() => new("--max-entries")
    {
        Description = "MAP=N: set a map's max_entries before loading (repeatable), as a tool's user space does for maps it sizes at run time.",
        AllowMultipleArgumentsPerToken = true,
        CustomParser = Parse,
    };

    /// <summary>Resizes the named maps.</summary>
    /// <exception cref="KeyNotFoundException">No map by that name.</exception>
    internal static void Apply(ObjectSpec spec, (string Map, uint MaxEntries)[] sizes)
    {
        foreach (var (name, maxEntries) in sizes)
        {
            var map = spec.Map(name);
            map.Spec = map.Spec with { MaxEntries = map.Spec.Type is Kernel.BpfMapType.RINGBUF or Kernel.BpfMapType.USER_RINGBUF ? Maps.RingBufferSize.RoundUp(maxEntries) : maxEntries };
        }
    }

    private static (string, uint)[] Parse(ArgumentResult result)
    {
        var sizes = new List<(string, uint)>();
        foreach (var token in result.Tokens)
        {
            var equals = token.Value.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && uint.TryParse(token.Value.AsSpan(equals + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
                sizes.Add((token.Value[..equals], n));
            else
                result.AddError($"--max-entries '{token.Value}': expected {Rule}.");
        }

        return [.. sizes];
    }
}
