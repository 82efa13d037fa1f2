using System.Reflection;
using ManagedBpf.Loader.Btf;
using ManagedBpf.Loader.Generation;

namespace ManagedBpf.Loader.Tests.Generation;

/// <summary>The generator on hand-built BTF: unions, anonymous members, enums of every width, keywords and collisions.</summary>
public sealed class TypeGeneratorTests
{
    // Strings: 1 int, 5 uint, 10 s, 12 a, 14 b, 16 class, 22 u, 24 e, 26 A, 28 B, 30 foo_bar, 38 fooBar, 45 char, 50 name, 55 flags
    private static readonly string[] Names = ["int", "uint", "s", "a", "b", "class", "u", "e", "A", "B", "foo_bar", "fooBar", "char", "name", "flags"];
    private static readonly uint[] Off = TestElfBuilder.StringTable(Names).Offsets;

    private static uint N(string name) => Off[Array.IndexOf(Names, name)];

    private static BtfSpec Spec(params BtfType[] types) => BtfSpec.Parse(BtfWriter.Write(types, TestElfBuilder.StringTable(Names).Table));

    private static (Assembly Assembly, string Source) Generate(BtfSpec btf, params uint[] roots)
    {
        var source = CSharpTypeGenerator.Generate(btf, roots, "Hand");
        var assembly = GeneratedCode.Compile(source);
        Assert.True(TypeGeneratorFixtureTests.Check(btf, assembly, roots) > 0);
        return (assembly, source);
    }

    [Fact]
    public void UnionMembersOverlapAtZero()
    {
        // [1] int, [2] uint, [3] union u { int a; uint b; }
        var btf = Spec(new BtfInt(N("int"), 4, BtfIntEncoding.SIGNED, 0, 32), new BtfInt(N("uint"), 4, 0, 0, 32),
            new BtfUnion(N("u"), 4, [new BtfMember(N("a"), 1, 0), new BtfMember(N("b"), 2, 0)]));
        var (assembly, source) = Generate(btf, 3);
        Assert.Contains("[global::ManagedBpf.Loader.BtfName(\"union u\")]", source, StringComparison.Ordinal);
        Assert.Equal(4, GeneratedCode.SizeOf(assembly.GetType("Hand.U")!));
    }

    [Fact]
    public void AnonymousMembersAreFlattenedAtParentOffsets()
    {
        // [1] int, [2] struct { int a; int b; }, [3] union { struct(2) anon at 0; int flags (named) }, [4] struct s { int name; union(3) anon at 32 }
        var btf = Spec(new BtfInt(N("int"), 4, BtfIntEncoding.SIGNED, 0, 32),
            new BtfStruct(0, 8, [new BtfMember(N("a"), 1, 0), new BtfMember(N("b"), 1, 32)]),
            new BtfUnion(0, 8, [new BtfMember(0, 2, 0), new BtfMember(N("flags"), 1, 0)]),
            new BtfStruct(N("s"), 12, [new BtfMember(N("name"), 1, 0), new BtfMember(0, 3, 32)]));
        var (assembly, _) = Generate(btf, 4);
        var s = assembly.GetType("Hand.S")!;
        Assert.Equal(8, (int)System.Runtime.InteropServices.Marshal.OffsetOf(s, "B"));
        Assert.Equal(4, (int)System.Runtime.InteropServices.Marshal.OffsetOf(s, "Flags"));
    }

    [Theory]
    [InlineData(1u, false, typeof(byte))]
    [InlineData(1u, true, typeof(sbyte))]
    [InlineData(2u, false, typeof(ushort))]
    [InlineData(2u, true, typeof(short))]
    [InlineData(4u, false, typeof(uint))]
    [InlineData(4u, true, typeof(int))]
    [InlineData(8u, false, typeof(ulong))]
    [InlineData(8u, true, typeof(long))]
    public void EnumsHaveTheirWidthAndSignedness(uint size, bool signed, Type underlying)
    {
        var values = signed ? new[] { -1, 1 } : [0, 1];
        BtfType e = size == 8
            ? new BtfEnum64(N("e"), 8, [new(N("A"), signed ? ulong.MaxValue : 0x8000_0000_0000_0000), new(N("B"), 1)], signed)
            : new BtfEnum(N("e"), size, [new(N("A"), values[0]), new(N("B"), values[1])], signed);
        var btf = Spec(e);
        var (assembly, _) = Generate(btf, 1);
        Assert.Equal(underlying, Enum.GetUnderlyingType(assembly.GetType("Hand.E")!));
    }

    [Fact]
    public void KeywordsAndCollisionsGetValidNamesAndKeepTheirCNames()
    {
        // [1] int, [2] struct class { int foo_bar; int fooBar; }, [3] enum class { class = 0 } (collides with the struct's name)
        var btf = Spec(new BtfInt(N("int"), 4, BtfIntEncoding.SIGNED, 0, 32),
            new BtfStruct(N("class"), 8, [new BtfMember(N("foo_bar"), 1, 0), new BtfMember(N("fooBar"), 1, 32)]),
            new BtfEnum(N("class"), 4, [new(N("class"), 0)]));
        var (assembly, source) = Generate(btf, 2, 3);
        var s = assembly.GetType("Hand.Class")!;
        Assert.NotNull(s.GetField("FooBar"));
        Assert.Equal("fooBar", GeneratedCode.CName(s.GetField("FooBar_2")!));
        var e = assembly.GetType("Hand.Class_2")!;
        Assert.Equal("enum class", e.GetCustomAttribute<BtfNameAttribute>()!.Name);
        Assert.Contains("@class = 0", source, StringComparison.Ordinal);
    }

    [Fact]
    public void BitfieldsAndCharArraysRoundTrip()
    {
        // [1] int, [2] uint, [3] char, [4] char[5], [5] struct s { int a:3; uint b:13; char name[5]; int flags:7 (at bit 64) } (kind flag)
        var btf = Spec(new BtfInt(N("int"), 4, BtfIntEncoding.SIGNED, 0, 32), new BtfInt(N("uint"), 4, 0, 0, 32),
            new BtfInt(N("char"), 1, BtfIntEncoding.SIGNED | BtfIntEncoding.CHAR, 0, 8), new BtfArray(3, 1, 5),
            new BtfStruct(N("s"), 12, [new BtfMember(N("a"), 1, 0, 3), new BtfMember(N("b"), 2, 3, 13), new BtfMember(N("name"), 4, 16), new BtfMember(N("flags"), 1, 64 + 1, 7)], kindFlag: true));
        var (assembly, source) = Generate(btf, 5);
        Assert.Contains("NameString", source, StringComparison.Ordinal);
        Assert.Equal(12, GeneratedCode.SizeOf(assembly.GetType("Hand.S")!));
    }

    [Fact]
    public void ABitfieldOfAStructIsRefused()
    {
        var btf = Spec(new BtfInt(N("int"), 4, BtfIntEncoding.SIGNED, 0, 32),
            new BtfStruct(N("a"), 4, [new BtfMember(N("b"), 1, 0)]),
            new BtfStruct(N("s"), 8, [new BtfMember(N("name"), 2, 4)]));
        Assert.Throws<NotSupportedException>(() => CSharpTypeGenerator.Generate(btf, [3], null));
    }
}
