namespace ManagedBpf.Loader;

/// <summary>A global data section (<c>.data</c>, <c>.rodata</c>, <c>.bss</c>, <c>.data.*</c>, <c>.rodata.*</c>) and the single-entry array that holds it.</summary>
public sealed class DataSection
{
    private readonly List<GlobalVariable> _variables = [];
    private byte[]? _contents;

    /// <param name="name">The section name.</param>
    /// <param name="contents">The section's bytes, or null for NOBITS (<c>.bss</c>): zeros of <paramref name="size"/>
    /// bytes, allocated on first use, because a NOBITS size is not backed by the file and must not cost memory to parse.</param>
    /// <param name="size">The section size.</param>
    /// <param name="map">The map that holds it.</param>
    internal DataSection(string name, byte[]? contents, int size, ObjectMap map)
    {
        Name = name;
        _contents = contents;
        Size = size;
        Map = map;
    }

    /// <summary>The section name.</summary>
    public string Name { get; }

    /// <summary>The initial contents (zeros for <c>.bss</c>), copied into the map at load.</summary>
    public byte[] Contents => _contents ??= new byte[Size];

    /// <summary>The section size in bytes.</summary>
    public int Size { get; }

    /// <summary>The map that holds the section at run time.</summary>
    public ObjectMap Map { get; }

    /// <summary>Whether programs may only read it (<c>.rodata*</c>: created with BPF_F_RDONLY_PROG and frozen after it is filled).</summary>
    public bool IsReadOnly => (Map.Spec.Flags & Maps.MapFlags.ReadOnlyProgram) != 0;

    /// <summary>The variables, by offset.</summary>
    public IReadOnlyList<GlobalVariable> Variables => _variables;

    internal void Add(GlobalVariable variable) => _variables.Add(variable);
}
