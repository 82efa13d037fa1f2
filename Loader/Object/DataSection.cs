namespace ManagedBpf.Loader;

/// <summary>A global data section (<c>.data</c>, <c>.rodata</c>, <c>.bss</c>, <c>.data.*</c>, <c>.rodata.*</c>) and the single-entry array that holds it.</summary>
public sealed class DataSection
{
    private readonly List<GlobalVariable> _variables = [];

    internal DataSection(string name, byte[] contents, ObjectMap map)
    {
        Name = name;
        Contents = contents;
        Map = map;
    }

    /// <summary>The section name.</summary>
    public string Name { get; }

    /// <summary>The initial contents (zeros for <c>.bss</c>), copied into the map at load.</summary>
    public byte[] Contents { get; }

    /// <summary>The map that holds the section at run time.</summary>
    public ObjectMap Map { get; }

    /// <summary>Whether programs may only read it (<c>.rodata*</c>: created with BPF_F_RDONLY_PROG and frozen after it is filled).</summary>
    public bool IsReadOnly => Name.StartsWith(".rodata", StringComparison.Ordinal);

    /// <summary>The variables, by offset.</summary>
    public IReadOnlyList<GlobalVariable> Variables => _variables;

    internal void Add(GlobalVariable variable) => _variables.Add(variable);
}
