using System.Globalization;

namespace ManagedBpf.Programs;

/// <summary>
/// The attach targets libbpf reads from section names, parsed the same way (its <c>attach_tp</c>,
/// <c>attach_kprobe</c>, <c>attach_uprobe</c>): <c>tp/&lt;category&gt;/&lt;name&gt;</c>,
/// <c>kprobe/&lt;function&gt;[+&lt;offset&gt;]</c>, <c>uprobe/&lt;binary&gt;:&lt;function&gt;[+&lt;offset&gt;]</c>, <c>usdt/&lt;binary&gt;:&lt;provider&gt;:&lt;name&gt;</c>.
/// Offsets are C integers (<c>%li</c>: decimal, 0x hex, 0 octal).
/// </summary>
internal static class SectionTarget
{
    /// <summary>"syscalls/sys_enter_getppid" → ("syscalls", "sys_enter_getppid").</summary>
    internal static (string Category, string Name) Tracepoint(string target)
    {
        var slash = target.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == target.Length - 1)
            throw new FormatException($"Tracepoint sections are tp/<category>/<name> or tracepoint/<category>/<name>; '{target}' lacks the /<name>.");
        return (target[..slash], target[(slash + 1)..]);
    }

    /// <summary>"do_unlinkat+0x10" → ("do_unlinkat", 16). Function names are [a-zA-Z0-9_.]+, as libbpf's sscanf reads them.</summary>
    internal static (string Function, ulong Offset) Kprobe(string target, bool retprobe)
    {
        var end = 0;
        while (end < target.Length && (char.IsAsciiLetterOrDigit(target[end]) || target[end] is '_' or '.'))
            end++;
        if (end == 0)
            throw new FormatException($"Kprobe sections are kprobe/<function>[+<offset>]; '{target}' names no function.");
        ulong offset = 0;
        if (end < target.Length)
        {
            if (target[end] != '+' || CInteger(target[(end + 1)..]) is not { } parsed)
                throw new FormatException($"Kprobe sections are kprobe/<function>[+<offset>]; '{target}' has '{target[end..]}' after the function.");
            offset = parsed;
        }
        if (retprobe && offset != 0)
            throw new FormatException($"A kretprobe fires on return, so it takes no offset ('{target}').");
        return (target[..end], offset);
    }

    /// <summary>"libc.so.6:malloc+4" → ("libc.so.6", "malloc", 4). The binary ends at the first ':'; a trailing +offset counts only when it is a whole number.</summary>
    internal static (string Binary, string Function, ulong Offset) Uprobe(string target)
    {
        var colon = target.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == target.Length - 1)
            throw new FormatException($"Uprobe sections are uprobe/<binary>:<function>[+<offset>]; '{target}' lacks the :<function>.");
        var binary = target[..colon];
        var function = target[(colon + 1)..];
        var plus = function.LastIndexOf('+');
        if (plus > 0 && CInteger(function[(plus + 1)..]) is { } offset)
            return (binary, function[..plus], offset);
        return (binary, function, 0);
    }

    /// <summary>
    /// "./app:provider:probe" → ("./app", "provider", "probe"): libbpf's <c>usdt/%m[^:]:%m[^:]:%m[^:]</c>, three
    /// non-empty parts without ':' (libbpf would ignore a fourth part; it is refused here).
    /// </summary>
    internal static (string Binary, string Provider, string Name) Usdt(string target) =>
        target.Split(':') is [{ Length: > 0 } binary, { Length: > 0 } provider, { Length: > 0 } name]
            ? (binary, provider, name)
            : throw new FormatException($"USDT sections are usdt/<binary>:<provider>:<name>; '{target}' is not three non-empty parts separated by ':'.");

    /// <summary>A non-negative C integer literal (strtol base 0): 0x/0X hex, leading 0 octal, else decimal; null when malformed.</summary>
    internal static ulong? CInteger(string text)
    {
        if (text.Length == 0)
            return null;
        if (text.Length > 2 && text[0] == '0' && (text[1] is 'x' or 'X'))
            return ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex) ? hex : null;
        if (text.Length > 1 && text[0] == '0')
        {
            ulong octal = 0;
            foreach (var c in text.AsSpan(1))
            {
                if (c is < '0' or > '7' || octal > ulong.MaxValue >> 3)
                    return null;
                octal = (octal << 3) | (uint)(c - '0');
            }
            return octal;
        }
        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}
