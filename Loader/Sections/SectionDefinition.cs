using ManagedBpf.Kernel;

namespace ManagedBpf.Loader;

/// <summary>
/// One row of the section-name table: a section <see cref="Pattern"/> as libbpf writes it, and the program
/// type, expected attach type and flags it implies. As libbpf's <c>sec_def_matches</c>: <c>kprobe+</c> matches
/// <c>kprobe</c> and <c>kprobe/anything</c>; a pattern ending in <c>/</c> matches any name it starts; any
/// other pattern matches only itself (so <c>socket</c> does not match <c>socket/extra</c>).
/// </summary>
/// <param name="Pattern">The pattern, e.g. <c>tracepoint+</c>, <c>xdp</c>, <c>cgroup/connect4</c>.</param>
/// <param name="Type">The program type.</param>
/// <param name="ExpectedAttachType">The expected attach type the section sets, or null where it sets none (a program then loads with 0).</param>
/// <param name="Flags">Further implications.</param>
public sealed record SectionDefinition(string Pattern, BpfProgType Type, BpfAttachType? ExpectedAttachType, SectionFlags Flags)
{
    /// <summary>Whether <paramref name="section"/> (without a leading <c>?</c>) matches this pattern.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="section"/> is null.</exception>
    public bool Matches(string section)
    {
        ArgumentNullException.ThrowIfNull(section);
        if (Pattern.EndsWith('/'))
            return section.StartsWith(Pattern, StringComparison.Ordinal);
        if (!Pattern.EndsWith('+'))
            return section == Pattern;
        var prefix = Pattern.AsSpan(0, Pattern.Length - 1);
        return section.AsSpan().StartsWith(prefix, StringComparison.Ordinal)
            && (section.Length == prefix.Length || section[prefix.Length] == '/');
    }

    /// <summary>The name the pattern stands for, without its <c>+</c>: <c>kprobe</c> for <c>kprobe+</c>.</summary>
    public string Name => Pattern.TrimEnd('+');
}
