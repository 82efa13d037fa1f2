using System.Collections.Immutable;
using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader.Tests;

public sealed class BtfWriterTests
{
    /// <summary>One of every kind, with the kind flags and fields clang 14 does not emit (ENUM64, signed enums, attribute tags).</summary>
    private static BtfType[] EveryKind() =>
    [
        new BtfInt(TestBtf.Int, 4, BtfIntEncoding.SIGNED, 0, 32),                                   // [1]
        new BtfPtr(1),                                                                              // [2]
        new BtfArray(1, 1, 4),                                                                      // [3]
        new BtfStruct(TestBtf.S, 8, [new BtfMember(TestBtf.A, 1, 0, 3), new BtfMember(TestBtf.B, 1, 32)], kindFlag: true), // [4]
        new BtfUnion(0, 4, [new BtfMember(TestBtf.A, 1, 0)]),                                      // [5]
        new BtfEnum(TestBtf.A, 4, [new BtfEnumValue(TestBtf.B, -1)], isSigned: true),               // [6]
        new BtfFwd(TestBtf.S, isUnion: true),                                                       // [7]
        new BtfTypedef(TestBtf.B, 4),                                                               // [8]
        new BtfVolatile(1),                                                                         // [9]
        new BtfConst(9),                                                                            // [10]
        new BtfRestrict(2),                                                                         // [11]
        new BtfFuncProto(1, [new BtfParam(TestBtf.A, 1), new BtfParam(0, 0)]),                      // [12]
        new BtfFunc(TestBtf.S, 12, BtfFuncLinkage.GLOBAL),                                          // [13]
        new BtfVar(TestBtf.A, 1, BtfVarLinkage.GLOBAL_ALLOCATED),                                   // [14]
        new BtfDatasec(TestBtf.B, 4, [new BtfVarSecinfo(14, 0, 4)]),                                // [15]
        new BtfFloat(TestBtf.B, 8),                                                                 // [16]
        new BtfDeclTag(TestBtf.A, 4, 0),                                                            // [17]
        new BtfTypeTag(TestBtf.B, 1, kindFlag: true),                                               // [18]
        new BtfEnum64(TestBtf.B, 8, [new BtfEnum64Value(TestBtf.A, 0xfedc_ba98_7654_3210), new BtfEnum64Value(TestBtf.S, 1)]), // [19]
        new BtfDeclTag(TestBtf.B, 13, -1),                                                          // [20]
    ];

    [Fact]
    public void EveryKindRoundTripsThroughTheWireFormat()
    {
        var bytes = TestBtf.Blob(EveryKind());

        var btf = BtfSpec.Parse(bytes);

        Assert.Equal(bytes, btf.Encode());
        Assert.Equal(Enum.GetValues<BtfKind>().Where(k => k != BtfKind.UNKN), btf.OwnTypes.Select(t => t.Kind).Distinct().Order());
        var bitfields = (BtfStruct)btf.TypeById(4);
        Assert.Equal((0u, (byte)3), (bitfields.Members[0].BitOffset, bitfields.Members[0].BitfieldSize));
        Assert.Equal((32u, (byte)0), (bitfields.Members[1].BitOffset, bitfields.Members[1].BitfieldSize));
        var signed = (BtfEnum)btf.TypeById(6);
        Assert.True(signed.IsSigned);
        Assert.Equal(-1L, signed.ValueOf(signed.Values[0]));
        Assert.Equal(0xffffffffL, new BtfEnum(0, 4, [new BtfEnumValue(0, -1)]).ValueOf(new BtfEnumValue(0, -1)));
        Assert.True(((BtfFwd)btf.TypeById(7)).IsUnion);
        Assert.True(((BtfFuncProto)btf.TypeById(12)).IsVariadic);
        Assert.Equal(BtfFuncLinkage.GLOBAL, ((BtfFunc)btf.TypeById(13)).Linkage);
        Assert.Equal(0xfedc_ba98_7654_3210ul, ((BtfEnum64)btf.TypeById(19)).Values[0].Val);
        Assert.True(btf.TypeById(18).KindFlag);
        Assert.Equal((13u, -1), (((BtfDeclTag)btf.TypeById(20)).TypeId, ((BtfDeclTag)btf.TypeById(20)).ComponentIdx));
        Assert.Equal(16u, btf.GetSize(3));
        Assert.Equal(4u, btf.GetSize(15));
        Assert.Equal(4u, btf.GetSize(14)); // a VAR resolves to its type
        Assert.Equal(8u, btf.GetSize(19));
        Assert.Equal(1u, btf.SkipModifiers(10));
        Assert.Equal(1u, btf.SkipModifiers(18));
    }

    [Fact]
    public void ASanitisedCopyReplacesKindsAnOldKernelLacks()
    {
        // What a loader does for a kernel without DECL_TAG, TYPE_TAG, ENUM64 and FLOAT (as libbpf's sanitizer):
        // same ids and strings, only the unsupported records change.
        var original = BtfSpec.Parse(TestBtf.Blob(EveryKind()));
        var sanitised = original.OwnTypes.Select(t => t switch
        {
            BtfDeclTag => new BtfInt(0, 1, BtfIntEncoding.None, 0, 8),
            BtfTypeTag tag => new BtfConst(tag.TypeId),
            BtfFloat f => new BtfStruct(f.NameOff, f.Size, []),
            BtfEnum64 e => new BtfUnion(e.NameOff, e.Size, []),
            _ => t,
        });

        var bytes = BtfWriter.Write(sanitised, original.Strings.Span);
        var btf = BtfSpec.Parse(bytes);

        Assert.Equal(original.TypeCount, btf.TypeCount);
        Assert.DoesNotContain(btf.OwnTypes, t => t.Kind is BtfKind.DECL_TAG or BtfKind.TYPE_TAG or BtfKind.FLOAT or BtfKind.ENUM64);
        Assert.Equal(8u, btf.GetSize(16));
        Assert.Equal("int", btf.NameOf(btf.SkipModifiers(18)));
    }

    [Fact]
    public void UnencodableTypesAreArgumentErrors()
    {
        Assert.Throws<ArgumentException>(() => TestBtf.Blob(BtfVoid.Instance));
        Assert.Throws<ArgumentException>(() => TestBtf.Blob(new BtfStruct(0, 4, [new BtfMember(0, 0, 0, 3)])));
        Assert.Throws<ArgumentException>(() => TestBtf.Blob(new BtfStruct(0, 4, [new BtfMember(0, 0, 1u << 24)], kindFlag: true)));
        var tooMany = ImmutableArray.CreateRange(Enumerable.Repeat(new BtfParam(0, 0), 65536));
        Assert.Throws<ArgumentException>(() => TestBtf.Blob(new BtfFuncProto(0, tooMany)));
    }

    [Fact]
    public void EncodedSizesMatchTheRecordLayout()
    {
        Assert.Equal(16, BtfWriter.EncodedSize(new BtfInt(0, 4, 0, 0, 32)));
        Assert.Equal(12, BtfWriter.EncodedSize(new BtfPtr(0)));
        Assert.Equal(24, BtfWriter.EncodedSize(new BtfArray(0, 0, 0)));
        Assert.Equal(12 + 24, BtfWriter.EncodedSize(new BtfStruct(0, 0, [new BtfMember(0, 0, 0), new BtfMember(0, 0, 0)])));
        Assert.Equal(12 + 36, BtfWriter.EncodedSize(new BtfEnum64(0, 8, [new BtfEnum64Value(0, 0), new BtfEnum64Value(0, 0), new BtfEnum64Value(0, 0)])));
        Assert.Equal(16, BtfWriter.EncodedSize(new BtfDeclTag(0, 0, -1)));
    }

    [Theory]
    [InlineData("task_struct___pre_5_14", "task_struct")]
    [InlineData("task_struct", "task_struct")]
    [InlineData("a___b___c", "a___b")]
    [InlineData("___x", "___x")]
    [InlineData("a____b", "a____b")]
    [InlineData("a___", "a___")]
    [InlineData("ab___c", "ab")]
    [InlineData("", "")]
    public void EssentialNamesDropTheLastFlavor(string name, string essential)
    {
        Assert.Equal(essential, BtfNames.EssentialName(name));
        Assert.Equal(essential.Length, BtfNames.EssentialLength(System.Text.Encoding.UTF8.GetBytes(name)));
    }
}
