using ManagedBpf.Loader.Btf;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Loader.Tests;

public sealed class BtfSanitizerTests
{
    private static readonly BtfFeatures None = new(false, false, false, false, false, false, false);
    private static readonly BtfKind[] Newer = [BtfKind.FUNC, BtfKind.FUNC_PROTO, BtfKind.VAR, BtfKind.DATASEC, BtfKind.FLOAT, BtfKind.DECL_TAG, BtfKind.TYPE_TAG, BtfKind.ENUM64];

    [Fact]
    public void Without_any_feature_only_old_kinds_remain_and_ids_are_kept()
    {
        var spec = ObjectSpec.Open(Path.Combine(Fixtures.Directory, "btf_kinds.bpf.o"));
        var btf = spec.Btf!;
        var source = btf.OwnTypes.ToList();
        Assert.Contains(source, t => t.Kind == BtfKind.DECL_TAG);
        Assert.Contains(source, t => t.Kind == BtfKind.FLOAT);

        var (types, strings) = BtfSanitizer.Sanitize(source, btf.Strings.Span, None, btf.GetString);
        var sanitized = BtfSpec.Parse(BtfWriter.Write(types, strings));
        Assert.Equal(btf.TypeCount, sanitized.TypeCount); // no ENUM64 here: no placeholder appended
        for (var id = 1u; id < sanitized.TypeCount; id++)
            Assert.DoesNotContain(sanitized.KindOf(id), Newer);
        // Pointers and arrays still lead where they did: ids are stable.
        for (var id = 1u; id < btf.TypeCount; id++)
        {
            if (btf.TypeById(id) is BtfPtr pointer)
                Assert.Equal(pointer.TypeId, ((BtfReferenceType)sanitized.TypeById(id)).TypeId);
        }
        var datasec = Enumerable.Range(1, (int)btf.TypeCount - 1).First(i => btf.KindOf((uint)i) == BtfKind.DATASEC);
        Assert.DoesNotContain('.', sanitized.NameOf((uint)datasec));
    }

    [Fact]
    public void Enum64_becomes_a_union_of_an_appended_placeholder()
    {
        var strings = "\0e\0a\0b\0"u8.ToArray();
        List<BtfType> source = [new BtfEnum64(1, 8, [new BtfEnum64Value(3, 1), new BtfEnum64Value(5, 1UL << 40)])];
        var (types, newStrings) = BtfSanitizer.Sanitize(source, strings, BtfFeatures.All with { Enum64 = false }, o => "e");
        var sanitized = BtfSpec.Parse(BtfWriter.Write(types, newStrings));
        var union = Assert.IsType<BtfUnion>(sanitized.TypeById(1));
        Assert.Equal(8u, union.Size);
        Assert.All(union.Members, m => Assert.Equal(2u, m.TypeId));
        Assert.Equal("enum64_placeholder", sanitized.NameOf(2));
    }

    [KernelFact]
    public void This_kernel_accepts_every_kind()
    {
        Assert.Equal(BtfFeatures.All, BtfFeatures.Current);
    }

    /// <summary>
    /// A 5.0-era kernel: FUNC but nothing newer. (Without FUNC at all — 4.18 and 4.19 — prototypes become
    /// enums with anonymous enumerators, which only those kernels accept; the unit test above covers it.)
    /// </summary>
    [KernelFact]
    public void An_object_loads_and_runs_with_btf_sanitised_for_an_older_kernel()
    {
        var spec = ObjectSpec.Open(Path.Combine(Fixtures.Directory, "globals.bpf.o"));
        using var collection = spec.Load(new CollectionOptions { BtfFeatures = None with { Func = true } });
        Assert.Equal(0u, collection.Program("run_globals").TestRun(contextIn: new byte[8]).ReturnValue);
        using var loaded = spec.Load(new CollectionOptions { BtfFeatures = BtfFeatures.All with { DeclTag = false, TypeTag = false, Float = false } });
        Assert.Equal(collection.Program("run_globals").Tag, loaded.Program("run_globals").Tag);
    }
}
