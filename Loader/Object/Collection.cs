using ManagedBpf.Kernel;
using ManagedBpf.Maps;
using ManagedBpf.Programs;

namespace ManagedBpf.Loader;

/// <summary>
/// A loaded object: its maps and programs by name, and the BTF object they refer to. Disposing closes
/// every descriptor (pinned maps stay pinned); programs stay attached only through links held elsewhere.
/// </summary>
public sealed partial class Collection : IDisposable
{
    private readonly Dictionary<string, Map> _maps;
    private readonly Dictionary<string, Program> _programs;

    internal Collection(ObjectSpec spec, SafeFdHandle? btf, Dictionary<string, Map> maps, Dictionary<string, Program> programs, IReadOnlyList<Core.CoreRelocationResult> coreRelocations)
    {
        CoreRelocations = coreRelocations;
        Spec = spec;
        Btf = btf;
        _maps = maps;
        _programs = programs;
    }

    /// <summary>The object this collection was loaded from.</summary>
    public ObjectSpec Spec { get; }

    /// <summary>What each CO-RE relocation resolved to against the kernel's BTF (poisoned ones included).</summary>
    public IReadOnlyList<Core.CoreRelocationResult> CoreRelocations { get; }

    /// <summary>The object's BTF as loaded into the kernel, or null when the object has none.</summary>
    public SafeFdHandle? Btf { get; }

    /// <summary>The maps by name (data maps by section name: <c>.rodata</c>, <c>.bss</c>…).</summary>
    public IReadOnlyDictionary<string, Map> Maps => _maps;

    /// <summary>The loaded programs by name (programs with autoload off are absent).</summary>
    public IReadOnlyDictionary<string, Program> Programs => _programs;

    /// <summary>The map called <paramref name="name"/>.</summary>
    public Map Map(string name) => _maps.TryGetValue(name, out var map)
        ? map
        : throw new KeyNotFoundException($"The collection has no map '{name}'; it has {string.Join(", ", _maps.Keys)}.");

    /// <summary>The program called <paramref name="name"/>.</summary>
    public Program Program(string name) => _programs.TryGetValue(name, out var program)
        ? program
        : throw new KeyNotFoundException($"The collection has no loaded program '{name}'; it has {string.Join(", ", _programs.Keys)}.");

    /// <summary>Closes every map, program and BTF descriptor.</summary>
    public void Dispose()
    {
        foreach (var program in _programs.Values)
            program.Dispose();
        foreach (var map in _maps.Values)
            map.Dispose();
        Btf?.Dispose();
    }
}
