using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace ManagedBpf.Cli;

/// <summary>
/// <c>--uprobe [PROGRAM=]BINARY:FUNCTION[+OFFSET]</c> or <c>[PROGRAM=]BINARY:0xOFFSET</c>: where a uprobe whose section
/// names no target attaches (libbpf-bootstrap's <c>SEC("uprobe")</c>, attached by its loader with
/// <c>bpf_program__attach_uprobe_opts</c>). Without PROGRAM it applies to every such uprobe and uretprobe.
/// </summary>
/// <param name="Program">The program it is for, or null for all.</param>
/// <param name="Binary">An executable or library: a path, or a bare library name looked up as libbpf does.</param>
/// <param name="Function">A function symbol, or null when <paramref name="Offset"/> is a file offset.</param>
/// <param name="Offset">Bytes past the function, or the file offset itself.</param>
internal sealed record UprobeTarget(string? Program, string Binary, string? Function, ulong Offset)
{
    private const string Rule = "[PROGRAM=]BINARY:FUNCTION[+OFFSET] or [PROGRAM=]BINARY:0xOFFSET";

    internal static Option<UprobeTarget[]> Option() => new("--uprobe")
    {
        Description = $"Where a uprobe or uretprobe whose section names no target attaches: {Rule} (repeatable; without PROGRAM=, every such program).",
        AllowMultipleArgumentsPerToken = true,
        CustomParser = Parse,
    };

    private static UprobeTarget[] Parse(ArgumentResult result)
    {
        var targets = new List<UprobeTarget>();
        foreach (var token in result.Tokens)
        {
            if (TryParse(token.Value) is { } target)
                targets.Add(target);
            else
                result.AddError($"--uprobe '{token.Value}': expected {Rule}.");
        }

        return [.. targets];
    }

    internal static UprobeTarget? TryParse(string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        var program = equals > 0 ? text[..equals] : null;
        var rest = text[(equals + 1)..];
        var colon = rest.LastIndexOf(':');
        if (colon <= 0 || colon == rest.Length - 1)
            return null;
        var (binary, where) = (rest[..colon], rest[(colon + 1)..]);
        if (where.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return ulong.TryParse(where.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var offset) ? new(program, binary, null, offset) : null;
        var plus = where.IndexOf('+', StringComparison.Ordinal);
        if (plus < 0)
            return new(program, binary, where, 0);
        var delta = where[(plus + 1)..];
        var parsed = delta.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(delta.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value)
            : ulong.TryParse(delta, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        return plus > 0 && parsed ? new(program, binary, where[..plus], value) : null;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Binary}:{(Function is null ? $"0x{Offset:x}" : Offset == 0 ? Function : $"{Function}+0x{Offset:x}")}";
}
