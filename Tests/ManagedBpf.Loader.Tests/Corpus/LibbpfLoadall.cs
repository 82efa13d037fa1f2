using System.Text.Json;
using System.Text.RegularExpressions;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Loader.Tests.Corpus;

/// <summary>
/// libbpf as the oracle, through Debian's bpftool: <c>bpftool prog loadall OBJ DIR</c> loads every autoload program
/// of the object as libbpf's bpf_object__load does and pins each under DIR by name; the tags come from
/// <c>bpftool -j prog show pinned</c>. Program names are compared in full, not cut to the kernel's 15 characters.
/// </summary>
internal static partial class LibbpfLoadall
{
    /// <summary>Loads <paramref name="obj"/>, pinning its programs under <paramref name="pinDir"/> (which must not exist).</summary>
    public static LibbpfOutcome Run(string obj, string pinDir)
    {
        var load = ExternalTool.Execute("bpftool", "prog", "loadall", obj, pinDir);
        if (!load.Succeeded)
            return new LibbpfOutcome(null, Reason(load.Error), load.Error);
        // Each program is pinned under its full libbpf name (the function's), which is also what ManagedBpf names it;
        // the kernel keeps only 15 characters, and names such as block_rq_insert and block_rq_insert_btf share them.
        var tags = new Dictionary<string, string>();
        foreach (var pin in Directory.GetFiles(pinDir))
        {
            using var json = JsonDocument.Parse(ExternalTool.Run("bpftool", "-j", "prog", "show", "pinned", pin));
            tags.Add(Path.GetFileName(pin), json.RootElement.GetProperty("tag").GetString()!);
        }
        return new LibbpfOutcome(tags, null, load.Error);
    }

    /// <summary>
    /// The line of a refusing libbpf log that says why: the verifier's complaint (the line before "processed N insns")
    /// when a program was refused, else libbpf's first error line that is not a generic consequence of an earlier one.
    /// </summary>
    internal static string Reason(string log)
    {
        var lines = log.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        string? failure = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.StartsWith("processed ", StringComparison.Ordinal) && line.Contains(" insns ", StringComparison.Ordinal) && i > 0)
                return $"{failure ?? "verifier"}: {lines[i - 1]}";
            if (failure is null && line.StartsWith("libbpf: ", StringComparison.Ordinal) && IsSpecificFailure(line))
                failure = line["libbpf: ".Length..];
        }
        return failure ?? lines.FirstOrDefault(l => l.StartsWith("Error:", StringComparison.Ordinal)) ?? "(no error line)";
    }

    /// <summary>The program or map a libbpf refusal names ("prog 'X': …", "map 'X': …", "bpf_create_map_xattr(X)"), or null.</summary>
    internal static string? Subject(string reason)
    {
        var match = SubjectPattern().Match(reason);
        return match.Success ? match.Groups["quoted"].Success ? match.Groups["quoted"].Value : match.Groups["call"].Value : null;
    }

    [GeneratedRegex(@"(?:prog|map) '(?<quoted>[^']+)'|bpf_create_map_xattr\((?<call>[^)]+)\)")]
    private static partial Regex SubjectPattern();

    private static bool IsSpecificFailure(string line) =>
        (line.Contains("fail", StringComparison.OrdinalIgnoreCase) || line.Contains("error", StringComparison.OrdinalIgnoreCase)
            || line.Contains("not supported", StringComparison.Ordinal) || line.Contains("unrecognized", StringComparison.Ordinal))
        && !line.Contains("failed to load object", StringComparison.Ordinal)
        && !line.Contains("Retrying without BTF", StringComparison.Ordinal) // the retry's own failure follows
        && !line.Contains("permission error while running as root", StringComparison.Ordinal)
        && !line.Contains("failed to load: -", StringComparison.Ordinal)
        && !line.Contains("failed to prepare load attributes", StringComparison.Ordinal);
}
