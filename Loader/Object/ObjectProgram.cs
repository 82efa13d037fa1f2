using ManagedBpf.Kernel;

namespace ManagedBpf.Loader;

/// <summary>
/// An entry program of an object: a global function in a program section. Its type and autoload flag
/// come from the section name and may be changed before the object is loaded, as with libbpf's
/// <c>bpf_program__set_type</c> and <c>bpf_program__set_autoload</c>.
/// </summary>
public sealed class ObjectProgram
{
    internal ObjectProgram(string name, string sectionName, int sectionIndex, int start, int count, ProgramSection? section)
    {
        Name = name;
        SectionName = sectionName;
        SectionIndex = sectionIndex;
        Start = start;
        Count = count;
        Section = section;
        Type = section?.Type ?? BpfProgType.UNSPEC;
        ExpectedAttachType = section?.ExpectedAttachType ?? 0;
        // As libbpf: only '?' turns autoload off; a section no row matches still loads, and fails unless its Type is set.
        Autoload = !sectionName.StartsWith('?');
    }

    /// <summary>The C function name.</summary>
    public string Name { get; }

    /// <summary>The ELF section, e.g. <c>tracepoint/syscalls/sys_enter_execve</c>.</summary>
    public string SectionName { get; }

    /// <summary>
    /// What the section name means, or null when libbpf would not recognise it: such a program has type
    /// <c>UNSPEC</c>, and loading fails unless its <see cref="Type"/> is set or its <see cref="Autoload"/> turned off.
    /// </summary>
    public ProgramSection? Section { get; }

    /// <summary>The program type (from the section unless changed).</summary>
    public BpfProgType Type { get; set; }

    /// <summary>
    /// The expected attach type (from the section unless changed); 0 when the section sets none, which
    /// <see cref="ProgramSection.ExpectedAttachType"/> tells apart from <c>CGROUP_INET_INGRESS</c> (also 0).
    /// </summary>
    public BpfAttachType ExpectedAttachType { get; set; }

    /// <summary>Whether <see cref="ObjectSpec.Load(CollectionOptions)"/> loads it; false for sections starting with <c>?</c>.</summary>
    public bool Autoload { get; set; }

    /// <summary>
    /// What parsing proved will go wrong when the program runs (e.g. <see cref="ObjectWarningKind.PerfSampleTooLarge"/>),
    /// from its own instructions; empty when nothing is proved. Loading reports them to <see cref="CollectionOptions.OnWarning"/>.
    /// </summary>
    public IReadOnlyList<ObjectWarning> Warnings { get; internal set; } = [];

    /// <summary>Instructions of the program itself, before sub-programs are appended.</summary>
    public int InstructionCount => Count;

    internal int SectionIndex { get; }

    /// <summary>First instruction, as an index into the section.</summary>
    internal int Start { get; }

    internal int Count { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({SectionName})";
}
