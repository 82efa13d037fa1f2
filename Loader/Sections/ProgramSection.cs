using ManagedBpf.Kernel;

namespace ManagedBpf.Loader;

/// <summary>What a program's section name says about it, resolved through <see cref="SectionTable"/>.</summary>
/// <param name="Name">The section name as written, including any <c>?</c>.</param>
/// <param name="Definition">The matching table row.</param>
/// <param name="AttachTarget">What follows the pattern's <c>/</c> (a tracepoint, a function, a binary:symbol), or null.</param>
/// <param name="Autoload">False when the name starts with <c>?</c>: libbpf's "do not load unless asked".</param>
public sealed record ProgramSection(string Name, SectionDefinition Definition, string? AttachTarget, bool Autoload)
{
    /// <summary>The program type.</summary>
    public BpfProgType Type => Definition.Type;

    /// <summary>
    /// The expected attach type the section sets, or null where it sets none. Null and 0 differ: 0 is
    /// <c>CGROUP_INET_INGRESS</c>, which <c>cgroup_skb/ingress</c> sets.
    /// </summary>
    public BpfAttachType? ExpectedAttachType => Definition.ExpectedAttachType;

    /// <summary>Whether the program is sleepable.</summary>
    public bool Sleepable => (Definition.Flags & SectionFlags.Sleepable) != 0;

    /// <summary>The part of the section name that names the kind of attachment (<c>kretprobe</c>, <c>uprobe.s</c>, <c>tp</c>…).</summary>
    public string Kind => Definition.Name;
}
