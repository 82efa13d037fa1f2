using System.Reflection;
using ManagedBpf.Loader.Generation;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Loader.Tests.Generation;

/// <summary>
/// Skeletons of every fixture and of every object of the real-world corpus, compiled as a consumer would (warnings as
/// errors, nullable on, XML docs checked), their types checked against BTF and their members against the object.
/// </summary>
public sealed class SkeletonGeneratorTests
{
    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void Every_fixture_has_a_skeleton_that_compiles_and_stands_for_its_object(string fixture)
    {
        var bytes = Fixtures.Bytes(fixture);
        var name = ObjectSpec.NameOf(fixture);
        var source = SkeletonGenerator.Generate(bytes, name, namespaceName: "Generated.Skeletons");
        Assert.Equal(source, SkeletonGenerator.Generate(bytes, name, namespaceName: "Generated.Skeletons")); // deterministic
        var assembly = GeneratedCode.Compile(source);
        var skeleton = assembly.GetTypes().Single(t => t.BaseType == typeof(BpfSkeleton));
        var spec = ObjectSpec.Parse(bytes, name);

        // A property for every global with a type, every __kconfig extern, every map but the data maps, every program.
        var expected = spec.DataSections.SelectMany(d => d.Variables).Where(v => v.BtfTypeId != 0).Select(v => v.Name)
            .Concat(spec.KconfigExterns.Select(k => k.Name))
            .Concat(spec.Maps.Where(m => m.Source is not (ObjectMapSource.Data or ObjectMapSource.Kconfig)).Select(m => m.Name))
            .Concat(spec.Programs.Select(p => p.Name));
        var properties = skeleton.GetProperties().Where(p => p.GetCustomAttribute<BtfNameAttribute>() is not null).ToList();
        Assert.Equal(expected.Order(StringComparer.Ordinal), properties.Select(GeneratedCode.CName).Order(StringComparer.Ordinal));

        // Open() parses the embedded bytes: the same object, whose globals read their initial values before Load().
        using var opened = (BpfSkeleton)skeleton.GetMethod("Open", Type.EmptyTypes)!.Invoke(null, null)!;
        Assert.Equal(bytes, opened.Spec.Elf.Image.ToArray());
        Assert.Equal(name, opened.Spec.Name);
        Assert.False(opened.IsLoaded);
        foreach (var variable in spec.DataSections.SelectMany(d => d.Variables).Where(v => v.BtfTypeId != 0))
        {
            var property = properties.Single(p => GeneratedCode.CName(p) == variable.Name);
            Assert.Equal(variable.Bytes.ToArray(), GeneratedCode.ToBytes(property.GetValue(opened)!));
        }

        if (spec.Btf is { } btf)
            TypeGeneratorFixtureTests.Check(btf, assembly, CSharpTypeGenerator.ObjectRoots(spec));
    }

    [Fact]
    public void Every_corpus_object_has_a_skeleton_that_compiles_with_types_that_match_BTF()
    {
        var objects = CorpusBuild.Objects.ToList();
        Assert.NotEmpty(objects);
        var sources = objects.Select(o => SkeletonGenerator.Generate(File.ReadAllBytes(o.ObjectPath!), ObjectSpec.NameOf(o.ObjectPath!),
            namespaceName: "Corpus." + Namespace(o))).ToList();
        var assembly = GeneratedCode.Compile(sources); // one compilation: 69 objects
        var checkedMembers = 0;
        foreach (var source in objects)
        {
            var spec = ObjectSpec.Open(source.ObjectPath!);
            var skeleton = assembly.GetTypes().Single(t => t.BaseType == typeof(BpfSkeleton) && t.Namespace == "Corpus." + Namespace(source));
            var nested = skeleton.GetNestedTypes().Where(t => t.GetCustomAttribute<BtfNameAttribute>() is not null)
                .ToDictionary(t => t.GetCustomAttribute<BtfNameAttribute>()!.Name);
            foreach (var root in CSharpTypeGenerator.ObjectRoots(spec))
            {
                var id = spec.Btf!.SkipModifiers(root);
                var cName = spec.Btf.TypeById(id) switch
                {
                    Btf.BtfStruct => "struct " + spec.Btf.NameOf(id),
                    Btf.BtfUnion => "union " + spec.Btf.NameOf(id),
                    _ => null,
                };
                if (cName is not null && nested.TryGetValue(cName, out var type))
                    checkedMembers += GeneratedLayoutCheck.Check(spec.Btf, type, id);
            }
        }

        Assert.True(checkedMembers > 100, $"only {checkedMembers} members were checked");
    }

    [Fact]
    public void Execsnoop_of_libbpf_tools_gets_its_event_its_perf_reader_and_its_configuration()
    {
        var execsnoop = CorpusBuild.Objects.Single(s => s.Name == "bcc-libbpf-tools/execsnoop.bpf.c");
        var source = SkeletonGenerator.Generate(File.ReadAllBytes(execsnoop.ObjectPath!), "execsnoop");
        Assert.Contains("public sealed partial class Execsnoop : global::ManagedBpf.Loader.BpfSkeleton", source);
        Assert.Contains("public global::ManagedBpf.Buffers.Perf.PerfBuffer OpenEvents(", source);
        Assert.Contains("public global::ManagedBpf.Maps.TypedMap<int, Event> Execs", source); // pid_t → int
        Assert.Contains("public bool IgnoreFailed", source);
        Assert.Contains("public uint TargUid", source);
        Assert.Contains("public const int TailOffset = ", source); // struct event ends in args[]
    }

    [Fact]
    public void Names_that_collide_take_a_suffix_and_invalid_names_are_refused()
    {
        var bytes = Fixtures.Bytes("globals.bpf.o");
        // The class named like a map: the map's property moves aside, as C# forbids a member named as its type.
        var source = SkeletonGenerator.Generate(bytes, "globals", className: "Values");
        Assert.Contains("public global::ManagedBpf.Maps.TypedMap<uint, ulong> Values_2 =>", source);
        GeneratedCode.Compile(source);

        foreach (var bad in (string[])["1st", "class", "Two words", "a-b", ""])
            Assert.Contains("not a valid C# class name", Assert.Throws<ArgumentException>(() => SkeletonGenerator.Generate(bytes, "globals", className: bad)).Message);
        Assert.Contains("not a valid C# namespace", Assert.Throws<ArgumentException>(() => SkeletonGenerator.Generate(bytes, "globals", namespaceName: "A..B")).Message);
        Assert.Throws<KeyNotFoundException>(() => SkeletonGenerator.Generate(bytes, "globals", extraTypes: ["struct no_such_thing"]));
        Assert.Throws<BpfObjectFormatException>(() => SkeletonGenerator.Generate(bytes.AsMemory(0, 100), "globals"));
    }

    private static string Namespace(CorpusSource source) =>
        new string([.. (source.Project + "_" + Path.GetFileNameWithoutExtension(Path.GetFileNameWithoutExtension(source.Source))).Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);
}
