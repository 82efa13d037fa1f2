namespace ManagedBpf.Cli;

/// <summary>
/// <c>--usdt [PROGRAM=]BINARY:PROVIDER:NAME</c>: where a USDT program whose section names no probe attaches (libbpf-bootstrap's
/// <c>SEC("usdt")</c>, attached by its loader with <c>bpf_program__attach_usdt</c>). Without PROGRAM it applies to every such program.
/// </summary>
/// <param name="Program">The program it is for, or null for all.</param>
/// <param name="Binary">An executable or library: a path, or a bare name looked up as libbpf does.</param>
/// <param name="Provider">The probe's provider.</param>
/// <param name="Name">The probe's name.</param>
internal sealed record UsdtTarget(string? Program, string Binary, string Provider, string Name)
{
    private const string Rule = "[PROGRAM=]BINARY:PROVIDER:NAME";

    internal static System.CommandLine.Option<UsdtTarget[]> Option() => new("--usdt")
    {
        Description = $"Where a USDT program whose section names no probe attaches: {Rule} (repeatable; without PROGRAM=, every such program).",
        AllowMultipleArgumentsPerToken = true,
        CustomParser = Parse,
    };

    private static UsdtTarget[] Parse(System.CommandLine.Parsing.ArgumentResult result)
    {
        var targets = new List<UsdtTarget>();
        foreach (var token in result.Tokens)
        {
            if (TryParse(token.Value) is { } target)
                targets.Add(target);
            else
                result.AddError($"--usdt '{token.Value}': expected {Rule}.");
        }

        return [.. targets];
    }

    /// <summary>Three non-empty parts after an optional PROGRAM=; a binary path cannot hold ':' here, as in libbpf's section names.</summary>
    internal static UsdtTarget? TryParse(string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        var program = equals > 0 ? text[..equals] : null;
        return text[(equals + 1)..].Split(':') is [{ Length: > 0 } binary, { Length: > 0 } provider, { Length: > 0 } name]
            ? new(program, binary, provider, name)
            : null;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Binary}:{Provider}:{Name}";
}
