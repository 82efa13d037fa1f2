using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ManagedBpf.Kernel;

namespace ManagedBpf.Loader.Generation;

/// <summary>
/// Generates a skeleton: one C# file with a class named after the object, derived from <see cref="BpfSkeleton"/>, that
/// embeds the object's bytes (as <c>bpftool gen skeleton</c> and <c>bpf2go</c> do) and gives every global variable,
/// map and program a typed property, followed by the C# types those reach (<see cref="CSharpTypeGenerator"/>).
/// Both <c>mbpf gen skeleton</c> and the build's <c>&lt;BpfObject&gt;</c> items call this, so they write the same file.
/// Pure: the object's bytes in, source out; nothing reaches the kernel.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Variables of <c>.rodata</c>, <c>.data</c>, <c>.bss</c> (and <c>.data.*</c>, <c>.rodata.*</c>): a get/set
/// property of the variable's type; <c>__kconfig</c> externs: a get-only property, known after <c>Load()</c>.</item>
/// <item>Maps: <c>TypedMap&lt;TKey, TValue&gt;</c> (or <c>PerCpuMap</c>) when BTF gives the key and value types; a
/// <see cref="Maps.Map"/> otherwise; ring buffer and perf event array maps also get an <c>OpenX()</c> method that
/// returns a reader (<c>RingBufferSet</c>, <c>PerfBuffer</c> of ManagedBpf.Buffers, which the generated code references).</item>
/// <item>Programs: a <see cref="Programs.Program"/> property each.</item>
/// <item>The types are nested in the class, so that skeletons of several objects live in one namespace.</item>
/// <item>Names are PascalCase C# (<see cref="BtfNameAttribute"/> keeps the C name); members that would collide take
/// a numeric suffix.</item>
/// </list>
/// </remarks>
public static class SkeletonGenerator
{
    private static readonly string[] BaseMembers =
    [
        "Open", "Load", "AttachAll", "Spec", "IsLoaded", "Collection", "Dispose", "GetVariable", "SetVariable",
        "GetKconfig", "GetMap", "GetProgram", "Image", "ObjectName", "Equals", "GetHashCode", "ToString", "GetType",
        "MemberwiseClone", "Finalize",
    ];

    /// <summary>Generates the skeleton of an object.</summary>
    /// <param name="image">The object's bytes, embedded in the generated class.</param>
    /// <param name="objectName">The object's name, as <see cref="ObjectSpec.Open"/> derives it from a file name
    /// (<c>execsnoop</c> for <c>execsnoop.bpf.o</c>): it prefixes the data maps' names.</param>
    /// <param name="className">The class's name, or null for the object's name in PascalCase.</param>
    /// <param name="namespaceName">The namespace, or null for none.</param>
    /// <param name="extraTypes">More types to generate by C name (<c>event</c>, <c>struct event</c>): a ring buffer's
    /// records, which BTF does not tie to the map.</param>
    /// <returns>The C# source.</returns>
    /// <exception cref="BpfObjectFormatException">The bytes are not a valid BPF object.</exception>
    /// <exception cref="KeyNotFoundException">An extra type is not in the object's BTF.</exception>
    /// <exception cref="InvalidOperationException">Extra types are asked for and the object has no BTF.</exception>
    /// <exception cref="NotSupportedException">A type cannot be laid out exactly in C#.</exception>
    /// <exception cref="ArgumentException">The class or namespace name is not a valid C# name.</exception>
    public static string Generate(ReadOnlyMemory<byte> image, string objectName, string? className = null, string? namespaceName = null, IEnumerable<string>? extraTypes = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(objectName);
        return Generate(ObjectSpec.Parse(image, objectName), className, namespaceName, extraTypes);
    }

    /// <summary>Generates the skeleton of an object opened unchanged (<see cref="ObjectSpec.Open"/>): its bytes are embedded, its name kept.</summary>
    /// <param name="spec">The object, as parsed: variables set on it since are not part of the embedded bytes.</param>
    /// <param name="className">The class's name, or null for the object's name in PascalCase.</param>
    /// <param name="namespaceName">The namespace, or null for none.</param>
    /// <param name="extraTypes">More types to generate by C name: a ring buffer's records, which BTF does not tie to the map.</param>
    /// <returns>The C# source.</returns>
    /// <exception cref="KeyNotFoundException">An extra type is not in the object's BTF.</exception>
    /// <exception cref="InvalidOperationException">Extra types are asked for and the object has no BTF.</exception>
    /// <exception cref="NotSupportedException">A type cannot be laid out exactly in C#.</exception>
    /// <exception cref="ArgumentException">The class or namespace name is not a valid C# name.</exception>
    public static string Generate(ObjectSpec spec, string? className = null, string? namespaceName = null, IEnumerable<string>? extraTypes = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var (image, objectName) = (spec.Elf.Image, spec.Name);
        var name = className ?? CSharpNames.Pascal(objectName);
        CheckName(name, nameof(className), dotted: false);
        if (!string.IsNullOrEmpty(namespaceName))
            CheckName(namespaceName, nameof(namespaceName), dotted: true);

        var extras = extraTypes?.ToList() ?? [];
        if (extras.Count > 0 && spec.Btf is null)
            throw new InvalidOperationException($"'{objectName}' has no BTF: --type {extras[0]} cannot be generated.");
        var btf = spec.Btf;
        var roots = btf is null ? [] : CSharpTypeGenerator.ObjectRoots(spec).Concat(extras.Select(e => CSharpTypeGenerator.FindType(btf, e)));
        // The types are nested in the class, so that two skeletons in one namespace never clash over a struct both
        // objects declare (or ByteArray16): they share the class's member names, and are named first.
        IReadOnlyDictionary<uint, string> types = new Dictionary<uint, string>();
        IReadOnlyList<string> declared = [];
        var declarations = btf is null ? "" : CSharpTypeGenerator.Declare(btf, roots, [name, .. BaseMembers], Hints(spec), out types, out declared);
        var members = CSharpNames.ForMembersOf(name);
        foreach (var taken in BaseMembers.Concat(declared))
            members.Reserve(taken);
        var body = new StringBuilder();
        Variables(body, spec, types, members);
        Kconfig(body, spec, types, members);
        MapsOf(body, spec, types, members);
        ProgramsOf(body, spec, members);

        var file = new StringBuilder();
        file.Append(CultureInfo.InvariantCulture, $"""
            // <auto-generated>
            // Generated by ManagedBpf (mbpf gen skeleton) from {objectName}, {image.Length} bytes, SHA-256 {Convert.ToHexStringLower(SHA256.HashData(image.Span))}.
            // Do not edit: regenerate.
            // </auto-generated>
            #nullable enable


            """);
        if (!string.IsNullOrEmpty(namespaceName))
            file.Append(CultureInfo.InvariantCulture, $"namespace {namespaceName};\n\n");
        file.Append(CultureInfo.InvariantCulture, $$"""
            /// <summary>
            /// The BPF object <c>{{Xml(objectName)}}</c> ({{spec.Programs.Count}} programs, {{spec.Maps.Count}} maps), embedded: <see cref="Open()"/>, set
            /// variables, <see cref="global::ManagedBpf.Loader.BpfSkeleton.Load"/>, then use the maps and programs; dispose to close them.
            /// </summary>
            public sealed partial class {{name}} : global::ManagedBpf.Loader.BpfSkeleton
            {
                /// <summary>The object's name, which prefixes its data maps' names.</summary>
                public const string ObjectName = "{{Escape(objectName)}}";

                private {{name}}(global::ManagedBpf.Loader.ObjectSpec spec)
                    : base(spec)
                {
                }

                /// <summary>Opens the object embedded in this class: nothing reaches the kernel until Load().</summary>
                public static {{name}} Open() => new(global::ManagedBpf.Loader.ObjectSpec.Parse(Image.ToArray(), ObjectName));

                /// <summary>Opens the object from a file, built from the same source (same variables, maps and programs).</summary>
                /// <param name="path">The object file.</param>
                /// <exception cref="global::ManagedBpf.Loader.BpfObjectFormatException">The file is not a valid BPF object.</exception>
                /// <exception cref="global::System.IO.IOException">The file cannot be read.</exception>
                /// <exception cref="global::System.UnauthorizedAccessException">The process may not read the file.</exception>
                public static {{name}} Open(string path) => new(global::ManagedBpf.Loader.ObjectSpec.Open(path));


            """);
        file.Append(body);
        Image(file, image.Span);
        if (declarations.Length > 0)
        {
            file.Append('\n');
            foreach (var line in declarations.AsSpan().EnumerateLines())
            {
                if (!line.IsEmpty)
                    file.Append("    ").Append(line);
                file.Append('\n');
            }

            file.Length--; // the declarations end with a newline, which EnumerateLines saw as one more (empty) line
        }

        file.Append("}\n");
        return file.ToString();
    }

    private static void Variables(StringBuilder body, ObjectSpec spec, IReadOnlyDictionary<uint, string> types, CSharpNames members)
    {
        foreach (var section in spec.DataSections)
        {
            foreach (var variable in section.Variables)
            {
                var cName = Escape(variable.Name);
                if (!types.TryGetValue(variable.BtfTypeId, out var type))
                {
                    body.Append(CultureInfo.InvariantCulture, $"    // {Comment(variable.Name)} ({section.Name}, {variable.Size} bytes) has no BTF type: use Spec.Variable(\"{cName}\").\n\n");
                    continue;
                }

                var property = members.Claim(CSharpNames.Pascal(variable.Name));
                var cType = spec.Btf is { } btf ? CSharpTypeGenerator.CTypeOf(btf, variable.BtfTypeId) : type;
                var access = section.IsReadOnly
                    ? "settable before Load(), read-only after it (the load freezes the map)"
                    : "settable before Load() (its initial value); after it, read and written live in the map's memory";
                body.Append(CultureInfo.InvariantCulture, $$"""
                        /// <summary><c>{{Xml(cType)}} {{Xml(variable.Name)}}</c> in <c>{{Xml(section.Name)}}</c>: {{access}}.</summary>
                        /// <exception cref="global::System.InvalidOperationException">Set after Load() on a read-only section.</exception>
                        [global::ManagedBpf.Loader.BtfName("{{cName}}")]
                        public {{type}} {{property}}
                        {
                            get => GetVariable<{{type}}>("{{cName}}");
                            set => SetVariable("{{cName}}", value);
                        }


                    """);
                if (spec.Btf is { } charBtf && charBtf.TypeById(charBtf.SkipModifiers(variable.BtfTypeId)) is Btf.BtfArray array && Btf.BtfValueWriter.IsChar(charBtf, array.TypeId))
                {
                    var text = members.Claim(property + "String");
                    body.Append(CSharpTypeGenerator.TextProperty(text, property, "", $"var value = {property};\n            global::System.ReadOnlySpan<byte> bytes = value;"));
                }
            }
        }
    }

    private static void Kconfig(StringBuilder body, ObjectSpec spec, IReadOnlyDictionary<uint, string> types, CSharpNames members)
    {
        foreach (var extern_ in spec.KconfigExterns)
        {
            if (!types.TryGetValue(extern_.TypeId, out var type))
                continue; // every kconfig extern is a variable of the DATASEC, hence a root: defensive only
            var property = members.Claim(CSharpNames.Pascal(extern_.Name));
            var cName = Escape(extern_.Name);
            body.Append(CultureInfo.InvariantCulture, $$"""
                    /// <summary><c>{{Xml(extern_.Name)}}</c> (<c>__kconfig</c>), filled by Load() from the running kernel{{(extern_.Weak ? " (weak: 0 when the kernel lacks it)" : "")}}.</summary>
                    /// <exception cref="global::System.InvalidOperationException">Read before Load().</exception>
                    [global::ManagedBpf.Loader.BtfName("{{cName}}")]
                    public {{type}} {{property}} => GetKconfig<{{type}}>("{{cName}}");


                """);
        }
    }

    private static void MapsOf(StringBuilder body, ObjectSpec spec, IReadOnlyDictionary<uint, string> types, CSharpNames members)
    {
        foreach (var map in spec.Maps)
        {
            if (map.Source is ObjectMapSource.Data or ObjectMapSource.Kconfig)
                continue;
            var cName = Escape(map.Name);
            var property = members.Claim(CSharpNames.Pascal(map.Name));
            var mapType = map.Spec.Type;
            var size = mapType switch
            {
                BpfMapType.RINGBUF or BpfMapType.USER_RINGBUF => $"{map.Spec.MaxEntries} bytes",
                BpfMapType.PERF_EVENT_ARRAY => "a buffer per CPU",
                _ => map.Spec.MaxEntries == 1 ? "1 entry" : $"{map.Spec.MaxEntries} entries",
            };
            var summary = $"Map <c>{Xml(map.Name)}</c> ({mapType}, {size})";
            var (propertyType, get) = Typed(map, types) is ({ } key, { } value)
                ? map.Spec.IsPerCpu
                    ? ($"global::ManagedBpf.Maps.PerCpuMap<{key}, {value}>", $"GetMap(\"{cName}\").AsPerCpu<{key}, {value}>()")
                    : ($"global::ManagedBpf.Maps.TypedMap<{key}, {value}>", $"GetMap(\"{cName}\").As<{key}, {value}>()")
                : ("global::ManagedBpf.Maps.Map", $"GetMap(\"{cName}\")");
            body.Append(CultureInfo.InvariantCulture, $$"""
                    /// <summary>{{summary}}.</summary>
                    /// <exception cref="global::System.InvalidOperationException">Read before Load().</exception>
                    [global::ManagedBpf.Loader.BtfName("{{cName}}")]
                    public {{propertyType}} {{property}} => {{get}};


                """);
            if (mapType == BpfMapType.RINGBUF)
            {
                var open = members.Claim("Open" + CSharpNames.Pascal(map.Name));
                body.Append(CultureInfo.InvariantCulture, $$"""
                        /// <summary>Opens a reader of the ring buffer <c>{{Xml(map.Name)}}</c>, after Load(); dispose it to unmap the ring.</summary>
                        /// <exception cref="global::System.InvalidOperationException">Called before Load().</exception>
                        /// <exception cref="global::ManagedBpf.Kernel.BpfSyscallException">Mapping the ring or creating its epoll set failed.</exception>
                        public global::ManagedBpf.Buffers.Ring.RingBufferSet {{open}}()
                        {
                            var set = new global::ManagedBpf.Buffers.Ring.RingBufferSet();
                            try
                            {
                                set.Add(GetMap("{{cName}}"));
                                return set;
                            }
                            catch
                            {
                                set.Dispose();
                                throw;
                            }
                        }


                    """);
            }
            else if (mapType == BpfMapType.PERF_EVENT_ARRAY)
            {
                var open = members.Claim("Open" + CSharpNames.Pascal(map.Name));
                body.Append(CultureInfo.InvariantCulture, $$"""
                        /// <summary>Opens a reader of the perf event array <c>{{Xml(map.Name)}}</c>, after Load(): a buffer per CPU; dispose it to close them.</summary>
                        /// <param name="options">Pages per CPU, wakeups, ordering; null for the defaults.</param>
                        /// <exception cref="global::System.InvalidOperationException">Called before Load().</exception>
                        /// <exception cref="global::ManagedBpf.Kernel.BpfSyscallException">perf_event_open, mmap or the map update failed.</exception>
                        public global::ManagedBpf.Buffers.Perf.PerfBuffer {{open}}(global::ManagedBpf.Buffers.Perf.PerfBufferOptions? options = null) =>
                            new(GetMap("{{cName}}"), options);


                    """);
            }
        }
    }

    private static void ProgramsOf(StringBuilder body, ObjectSpec spec, CSharpNames members)
    {
        foreach (var program in spec.Programs)
        {
            var cName = Escape(program.Name);
            var property = members.Claim(CSharpNames.Pascal(program.Name));
            body.Append(CultureInfo.InvariantCulture, $$"""
                    /// <summary>Program <c>{{Xml(program.Name)}}</c> (<c>SEC("{{Xml(program.SectionName)}}")</c>, {{program.Type}}).</summary>
                    /// <exception cref="global::System.InvalidOperationException">Read before Load().</exception>
                    /// <exception cref="global::System.Collections.Generic.KeyNotFoundException">The program was not loaded (autoload off).</exception>
                    [global::ManagedBpf.Loader.BtfName("{{cName}}")]
                    public global::ManagedBpf.Programs.Program {{property}} => GetProgram("{{cName}}");


                """);
        }
    }

    /// <summary>Names for anonymous root types, after what has them: <c>struct { … } window;</c> gives <c>WindowType</c>.</summary>
    private static Dictionary<uint, string> Hints(ObjectSpec spec)
    {
        var hints = new Dictionary<uint, string>();
        foreach (var variable in spec.DataSections.SelectMany(d => d.Variables))
            hints.TryAdd(variable.BtfTypeId, variable.Name + "_type");
        foreach (var map in spec.Maps)
        {
            hints.TryAdd(map.Spec.BtfKeyTypeId, map.Name + "_key");
            hints.TryAdd(map.Spec.BtfValueTypeId, map.Name + "_value");
        }

        return hints;
    }

    /// <summary>The C# key and value types of a map BTF describes, or nulls when it does not (legacy maps, map-in-map).</summary>
    private static (string? Key, string? Value) Typed(ObjectMap map, IReadOnlyDictionary<uint, string> types)
    {
        if (map.Spec.Type is BpfMapType.ARRAY_OF_MAPS or BpfMapType.HASH_OF_MAPS or BpfMapType.STRUCT_OPS or BpfMapType.RINGBUF
            or BpfMapType.USER_RINGBUF or BpfMapType.PERF_EVENT_ARRAY || map.Spec.KeySize == 0 || map.Spec.ValueSize == 0)
            return (null, null);
        return types.TryGetValue(map.Spec.BtfKeyTypeId, out var key) && types.TryGetValue(map.Spec.BtfValueTypeId, out var value)
            ? (key, value)
            : (null, null);
    }

    /// <summary>The object's bytes as a <c>ReadOnlySpan&lt;byte&gt;</c> over data the compiler stores in the assembly: no allocation until Open() copies them.</summary>
    private static void Image(StringBuilder file, ReadOnlySpan<byte> image)
    {
        file.Append("    private static global::System.ReadOnlySpan<byte> Image => new byte[]\n    {\n");
        for (var i = 0; i < image.Length; i += 32)
        {
            file.Append("        ");
            var line = image.Slice(i, Math.Min(32, image.Length - i));
            for (var j = 0; j < line.Length; j++)
                file.Append(CultureInfo.InvariantCulture, $"0x{line[j]:X2},");
            file.Append('\n');
        }

        file.Append("    };\n");
    }

    private static void CheckName(string name, string parameter, bool dotted)
    {
        foreach (var part in dotted ? name.Split('.') : [name])
        {
            if (part.Length == 0 || !(char.IsAsciiLetter(part[0]) || part[0] == '_') || !part.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
                || CSharpNames.Verbatim(part) != part)
                throw new ArgumentException($"'{name}' is not a valid C# {(dotted ? "namespace" : "class name")}: letters, digits and underscores, not starting with a digit, not a keyword{(dotted ? ", parts joined by dots" : "")}.", parameter);
        }
    }

    private static string Escape(string cName) => cName.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private static string Comment(string text) => text.Replace('\n', ' ').Replace('\r', ' ');

    private static string Xml(string text) => CSharpTypeGenerator.Xml(text);
}
