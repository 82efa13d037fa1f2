using ManagedBpf.Loader.Btf;
using ManagedBpf.Loader.Elf;

namespace ManagedBpf.Loader;

/// <summary>
/// A clang-compiled BPF object, parsed and checked but not loaded: its programs, maps, global data
/// (whose variables can be set by name before loading), BTF and relocations. Nothing here touches the
/// kernel; <see cref="Load(CollectionOptions)"/> does.
/// </summary>
public sealed partial class ObjectSpec
{
    private readonly Dictionary<int, List<CodeRelocation>> _relocations;

    internal ObjectSpec(
        string name,
        ElfFile elf,
        string license,
        uint kernelVersion,
        BtfSpec? btf,
        BtfExt? btfExt,
        IReadOnlyList<ObjectProgram> programs,
        int textSection,
        IReadOnlyList<Subprogram> subprograms,
        IReadOnlyList<ObjectMap> maps,
        IReadOnlyList<DataSection> dataSections,
        IReadOnlyList<KconfigExtern> kconfigExterns,
        Dictionary<int, List<CodeRelocation>> relocations)
    {
        Name = name;
        Elf = elf;
        License = license;
        KernelVersion = kernelVersion;
        Btf = btf;
        BtfExt = btfExt;
        Programs = programs;
        TextSection = textSection;
        Subprograms = subprograms;
        Maps = maps;
        DataSections = dataSections;
        KconfigExterns = kconfigExterns;
        _relocations = relocations;
    }

    /// <summary>The object's name: its file name up to the first dot, as libbpf names it.</summary>
    public string Name { get; }

    /// <summary>The parsed ELF file.</summary>
    public ElfFile Elf { get; }

    /// <summary>The <c>license</c> section's string (GPL-only helpers need a GPL-compatible one).</summary>
    public string License { get; }

    /// <summary>The <c>version</c> section's value, or 0.</summary>
    public uint KernelVersion { get; }

    /// <summary>The object's BTF (<c>.BTF</c>), or null.</summary>
    public BtfSpec? Btf { get; }

    /// <summary>The object's BTF extension (<c>.BTF.ext</c>: func_info, line_info, CO-RE relocations), or null.</summary>
    public BtfExt? BtfExt { get; }

    /// <summary>The entry programs, in section then offset order.</summary>
    public IReadOnlyList<ObjectProgram> Programs { get; }

    /// <summary>The maps: BTF and legacy definitions, then one per data section, then the kconfig map.</summary>
    public IReadOnlyList<ObjectMap> Maps { get; }

    /// <summary>The global data sections and their variables.</summary>
    public IReadOnlyList<DataSection> DataSections { get; }

    /// <summary>The <c>__kconfig</c> externs, filled from the running kernel at load.</summary>
    public IReadOnlyList<KconfigExtern> KconfigExterns { get; }

    /// <summary>The index of <c>.text</c>, where sub-programs live, or -1.</summary>
    internal int TextSection { get; }

    /// <summary>The functions of <c>.text</c>, by start.</summary>
    internal IReadOnlyList<Subprogram> Subprograms { get; }

    /// <summary>Every program's <see cref="ObjectProgram.Warnings"/>, in program order: faults parsing proved, without the kernel.</summary>
    public IReadOnlyList<ObjectWarning> Warnings => [.. Programs.SelectMany(p => p.Warnings)];

    /// <summary>The CO-RE relocation count (0 without <c>.BTF.ext</c>).</summary>
    public int CoreRelocationCount => BtfExt?.CoreRelo.Count ?? 0;

    /// <summary>Reads and parses an object file (libbpf's bpf_object__open_file): nothing reaches the kernel yet.</summary>
    /// <exception cref="BpfObjectFormatException">The file is not a valid BPF object; the message says where.</exception>
    /// <exception cref="FileNotFoundException">No file is at <paramref name="path"/>.</exception>
    /// <exception cref="DirectoryNotFoundException">A directory on <paramref name="path"/> does not exist.</exception>
    /// <exception cref="IOException"><paramref name="path"/> is a directory, or the file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The process may not read the file.</exception>
    public static ObjectSpec Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        // On Linux, reading a directory fails with EISDIR, which .NET reports as "access denied" (even to root).
        if (Directory.Exists(path))
            throw new IOException($"'{path}' is a directory, not a BPF object file: pass the path of a clang-compiled object (.bpf.o).");
        return Parse(File.ReadAllBytes(path), NameOf(path));
    }

    /// <summary>The name <see cref="Open"/> gives an object: its file name up to the first dot (<c>execsnoop</c> for <c>execsnoop.bpf.o</c>).</summary>
    /// <param name="path">The object file's path or name.</param>
    /// <returns>The name.</returns>
    public static string NameOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var name = System.IO.Path.GetFileName(path);
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 ? name[..dot] : name;
    }

    /// <summary>Parses an object held in memory.</summary>
    /// <param name="image">The ELF bytes.</param>
    /// <param name="name">The object's name (prefixes its data maps' names, as libbpf's does).</param>
    /// <exception cref="BpfObjectFormatException">The bytes are not a valid BPF object; the message says where.</exception>
    public static ObjectSpec Parse(ReadOnlyMemory<byte> image, string name = "obj") => ObjectParser.Parse(image, name);

    /// <summary>The program called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such program; the message lists those there are.</exception>
    public ObjectProgram Program(string name) =>
        Programs.FirstOrDefault(p => p.Name == name) ?? throw new KeyNotFoundException($"The object has no program '{name}'; it has {string.Join(", ", Programs.Select(p => p.Name))}.");

    /// <summary>The map called <paramref name="name"/> (data maps by section name, e.g. <c>.rodata</c>).</summary>
    /// <exception cref="KeyNotFoundException">No such map; the message lists those there are.</exception>
    public ObjectMap Map(string name) =>
        Maps.FirstOrDefault(m => m.Name == name) ?? throw new KeyNotFoundException($"The object has no map '{name}'; it has {string.Join(", ", Maps.Select(m => m.Name))}.");

    /// <summary>The global variable called <paramref name="name"/> in any data section.</summary>
    /// <exception cref="KeyNotFoundException">No such variable.</exception>
    public GlobalVariable Variable(string name) =>
        DataSections.SelectMany(d => d.Variables).FirstOrDefault(v => v.Name == name)
        ?? throw new KeyNotFoundException($"The object has no global variable '{name}'.");

    internal IReadOnlyList<CodeRelocation> RelocationsOf(int sectionIndex) =>
        _relocations.TryGetValue(sectionIndex, out var list) ? list : [];
}
