using System.Reflection;
using ManagedBpf.Loader.Btf;
using ManagedBpf.Loader.Generation;

namespace ManagedBpf.Loader.Tests.Generation;

/// <summary>Every fixture's map and variable types, generated, compiled as a consumer would, and checked against BTF.</summary>
public sealed class TypeGeneratorFixtureTests
{
    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void GeneratedTypesMatchBtf(string fixture)
    {
        var spec = ObjectSpec.Open(Path.Combine(Fixtures.Directory, fixture));
        if (spec.Btf is not { } btf)
            return; // no BTF, nothing to generate
        var roots = CSharpTypeGenerator.ObjectRoots(spec);
        var source = CSharpTypeGenerator.Generate(btf, roots, "Generated.Fixture");
        Assert.Equal(source, CSharpTypeGenerator.Generate(btf, roots.Reverse(), "Generated.Fixture")); // deterministic
        var assembly = GeneratedCode.Compile(source);
        Check(btf, assembly, roots);
    }

    internal static int Check(BtfSpec btf, Assembly assembly, IEnumerable<uint> roots)
    {
        var count = 0;
        var types = assembly.GetTypes().Where(t => t.GetCustomAttribute<BtfNameAttribute>() is not null)
            .ToDictionary(t => t.GetCustomAttribute<BtfNameAttribute>()!.Name);
        foreach (var root in roots)
        {
            var id = btf.TypeById(btf.SkipQualifiers(root)) is BtfVar v ? v.TypeId : root;
            var named = btf.SkipQualifiers(id);
            var resolved = btf.SkipModifiers(id);
            var name = btf.NameOf(resolved);
            var key = btf.TypeById(resolved) switch
            {
                BtfStruct when name.Length > 0 => "struct " + name,
                BtfUnion when name.Length > 0 => "union " + name,
                BtfEnum or BtfEnum64 when name.Length > 0 => "enum " + name,
                BtfComposite or BtfEnum or BtfEnum64 when btf.TypeById(named) is BtfTypedef => btf.NameOf(named),
                _ => null,
            };
            if (key is not null && types.TryGetValue(key, out var type))
                count += GeneratedLayoutCheck.Check(btf, type, resolved);
        }

        return count;
    }
}
