using ManagedBpf.Maps;

namespace ManagedBpf.Loader;

/// <summary>A map an object defines, with where it came from and what it starts with.</summary>
public sealed class ObjectMap
{
    internal ObjectMap(MapSpec spec, ObjectMapSource source, string sectionName, ulong sectionOffset)
    {
        Spec = spec;
        Source = source;
        SectionName = sectionName;
        SectionOffset = sectionOffset;
        DefinedName = Name;
    }

    /// <summary>The map's name as programs refer to it (for data maps, the section name: <c>.rodata</c>).</summary>
    public string Name => Source is ObjectMapSource.Data or ObjectMapSource.Kconfig ? SectionName : Spec.Name;

    /// <summary>How to create it; replace it (e.g. <c>spec with { MaxEntries = … }</c>) before loading to resize.</summary>
    public MapSpec Spec { get; set; }

    /// <summary>Where it was defined.</summary>
    public ObjectMapSource Source { get; }

    /// <summary>The ELF section it was defined in.</summary>
    public string SectionName { get; }

    /// <summary>
    /// Initial entries from a BTF map's <c>values</c>: index → program name (PROG_ARRAY) or map name
    /// (ARRAY_OF_MAPS, HASH_OF_MAPS), set once everything is loaded.
    /// </summary>
    public IReadOnlyDictionary<uint, string> InitialValues => InitialValuesBuilder;

    internal ulong SectionOffset { get; }

    /// <summary>The name the object gave it, which relocations and initial values refer to even after <see cref="Spec"/> renames it.</summary>
    internal string DefinedName { get; }

    internal SortedDictionary<uint, string> InitialValuesBuilder { get; } = [];

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Spec.Type}, {Source})";
}
