using System.Buffers.Binary;
using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader.Tests;

public sealed class BtfExtTests
{
    private const string Ext = ".BTF.ext";

    private static BtfExt Parse(byte[] bytes) => BtfExt.Parse(bytes, TestBtfExt.Btf());

    [Fact]
    public void EveryRecordKindIsDecoded()
    {
        var ext = Parse(TestBtfExt.Build());

        Assert.Equal(32u, ext.Header.HdrLen);
        var func = Assert.Single(ext.FuncInfo.Sections);
        Assert.Equal(("prog", TestBtfExt.Name(5)), (func.SecName, func.SecNameOff));
        Assert.Equal(new BpfFuncInfo(0, 3), Assert.Single(func.Records));
        var line = Assert.Single(ext.LineInfo.For("prog"));
        Assert.Equal((8u, 1u, 42u, 7u), (line.InsnOff, line.InsnIndex, line.Line, line.Column));
        Assert.Equal("int x = 1;", TestBtfExt.Btf().GetString(line.LineOff));
        var relo = Assert.Single(ext.CoreRelo.For("prog"));
        Assert.Equal((16u, 2u, 4u, BpfCoreReloKind.FIELD_BYTE_OFFSET, "0:1"), (relo.InsnOff, relo.InsnIndex, relo.TypeId, relo.Kind, relo.AccessString));
        Assert.Equal([0, 1], relo.Accessors.ToArray());
        Assert.Empty(ext.FuncInfo.For(".text"));
        Assert.Equal((8u, 16u, 16u), (ext.FuncInfo.RecSize, ext.LineInfo.RecSize, ext.CoreRelo.RecSize));
    }

    [Fact]
    public void AHeaderWithoutCoreReloFieldsHasNoRelocations()
    {
        var bytes = TestBtfExt.Build(hdrLen: 24);
        // With a 24-byte header every offset is relative to byte 24: shift the subsections' offsets by 8.
        TestBtfExt.Put(bytes, 8, TestBtfExt.FuncInfoAt - 24, 20, TestBtfExt.LineInfoAt - 24, 28);

        var ext = Parse(bytes);

        Assert.Equal(0u, ext.Header.CoreReloLen);
        Assert.Empty(ext.CoreRelo.Sections);
        Assert.Equal(0u, ext.CoreRelo.RecSize);
        Assert.Equal(1, ext.FuncInfo.Count);
        Assert.Equal(1, ext.LineInfo.Count);
    }

    [Fact]
    public void LargerRecordsAreAcceptedAndTheirTailIgnored()
    {
        var btf = TestBtfExt.Btf();
        var bytes = new byte[64];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, 0xeB9F);
        bytes[2] = 1;
        TestBtfExt.Put(bytes, 4, 24, 0, 36, 0, 0);
        // func_info with rec_size 12 and two records carrying an extra word each.
        TestBtfExt.Put(bytes, 24, 12, TestBtfExt.Name(5), 2, 0, 3, 0xdead, 8, 3, 0xbeef);

        var ext = BtfExt.Parse(bytes.AsMemory(0, 60), btf);

        Assert.Equal(12u, ext.FuncInfo.RecSize);
        Assert.Equal([new BpfFuncInfo(0, 3), new BpfFuncInfo(8, 3)], ext.FuncInfo.For("prog").ToArray());
    }

    [Fact]
    public void TypeMatchesAndUnknownKindsAreKeptForTheRelocator()
    {
        var bytes = TestBtfExt.Build();
        var kind = TestBtfExt.CoreReloAt + 4 + 8 + 12;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(kind), 12);
        Assert.Equal(BpfCoreReloKind.TYPE_MATCHES, Parse(bytes).CoreRelo.For("prog")[0].Kind);

        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(kind), 99);
        Assert.Equal((BpfCoreReloKind)99, Parse(bytes).CoreRelo.For("prog")[0].Kind);
    }

    [Theory]
    [InlineData(0, 0x1234u, 0, "bad .BTF.ext magic 0x1234")]
    [InlineData(0, 0x9FEBu, 0, "big-endian .BTF.ext")]
    public void BadMagic(int at, uint magic, long offset, string message)
    {
        var bytes = TestBtfExt.Build();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at), (ushort)magic);

        Assertions.ThrowsFormat(() => Parse(bytes), message, Ext, offset);
    }

    [Fact]
    public void HeaderFieldsAreValidated()
    {
        var version = TestBtfExt.Build();
        version[2] = 3;
        var flags = TestBtfExt.Build();
        flags[3] = 1;
        var hdrLen = TestBtfExt.Build();
        BinaryPrimitives.WriteUInt32LittleEndian(hdrLen.AsSpan(4), 4096);

        Assertions.ThrowsFormat(() => Parse(version), "unsupported .BTF.ext version 3", Ext, 2);
        Assertions.ThrowsFormat(() => Parse(flags), "unsupported .BTF.ext flags 0x1", Ext, 3);
        Assertions.ThrowsFormat(() => Parse(hdrLen), ".BTF.ext hdr_len 4096 is outside", Ext, 4);
        Assertions.ThrowsFormat(() => Parse([0x9f, 0xeb, 1]), "too short for a header", Ext, 0);
    }

    [Theory]
    [InlineData(8, 2u, 8, "func_info subsection offset 2 is not 4-byte aligned")]
    [InlineData(12, 0xfffffff0u, 8, "func_info subsection (4294967280 bytes at 32) runs past the end")]
    [InlineData(16, 0xfffffffcu, 16, "line_info subsection (28 bytes at 4294967324)")]
    [InlineData(28, 2u, TestBtfExt.CoreReloAt, "core_relo subsection has no record size")]
    public void SubsectionBoundsAreChecked(int field, uint value, long offset, string message)
    {
        var bytes = TestBtfExt.Build();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(field), value);

        Assertions.ThrowsFormat(() => Parse(bytes), message, Ext, offset);
    }

    [Theory]
    [InlineData(TestBtfExt.FuncInfoAt, 4u, "func_info record size 4 is below 8")]
    [InlineData(TestBtfExt.LineInfoAt, 18u, "line_info record size 18 is below 16 or not a multiple of 4")]
    [InlineData(TestBtfExt.CoreReloAt, 12u, "core_relo record size 12 is below 16")]
    public void RecordSizesAreChecked(int at, uint recSize, string message)
    {
        var bytes = TestBtfExt.Build();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), recSize);

        Assertions.ThrowsFormat(() => Parse(bytes), message, Ext, at);
    }

    [Theory]
    [InlineData(0u, "func_info section has num_info 0")]
    [InlineData(2u, "func_info section with num_info 2 and record size 8 runs past the subsection")]
    [InlineData(0xffffffffu, "num_info 4294967295")]
    public void RecordCountsThatLieAreRejected(uint numInfo, string message)
    {
        var bytes = TestBtfExt.Build();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(TestBtfExt.FuncInfoAt + 8), numInfo);

        Assertions.ThrowsFormat(() => Parse(bytes), message, Ext, TestBtfExt.FuncInfoAt + 8);
    }

    [Fact]
    public void RecordsAreValidatedAgainstTheBtf()
    {
        static byte[] With(int at, uint value)
        {
            var bytes = TestBtfExt.Build();
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), value);
            return bytes;
        }

        const int func = TestBtfExt.FuncInfoAt + 12, line = TestBtfExt.LineInfoAt + 12, relo = TestBtfExt.CoreReloAt + 12;
        Assertions.ThrowsFormat(() => Parse(With(TestBtfExt.FuncInfoAt + 4, 500)), "section name offset 500 is outside the 40-byte .BTF string section", Ext, TestBtfExt.FuncInfoAt + 4);
        Assertions.ThrowsFormat(() => Parse(With(func, 4)), "func_info record for prog has insn_off 4, not a multiple of the 8-byte instruction size", Ext, func);
        Assertions.ThrowsFormat(() => Parse(With(func + 4, 9)), "type_id 9 is not below the .BTF type count 5", Ext, func + 4);
        Assertions.ThrowsFormat(() => Parse(With(func + 4, 4)), "func_info type_id 4 is STRUCT, not FUNC", Ext, func + 4);
        Assertions.ThrowsFormat(() => Parse(With(line + 4, 40)), "line_info file_name_off offset 40 is outside", Ext, line + 4);
        Assertions.ThrowsFormat(() => Parse(With(line + 8, 41)), "line_info line_off offset 41 is outside", Ext, line + 8);
        Assertions.ThrowsFormat(() => Parse(With(relo + 4, 5)), "type_id 5 is not below", Ext, relo + 4);
        Assertions.ThrowsFormat(() => Parse(With(relo + 8, TestBtfExt.Name(6))), "core_relo access string \"file.c\" is not", Ext, relo + 8);
    }

    [Theory]
    [InlineData("0", new[] { 0 })]
    [InlineData("0:1:2", new[] { 0, 1, 2 })]
    [InlineData("12:0:345", new[] { 12, 0, 345 })]
    [InlineData("2147483647", new[] { int.MaxValue })]
    public void AccessStringsParse(string access, int[] expected)
    {
        Assert.True(BtfExt.TryParseAccessString(access, out var accessors));
        Assert.Equal(expected, accessors.ToArray());
    }

    [Theory]
    [InlineData("")]
    [InlineData(":")]
    [InlineData("0:")]
    [InlineData(":0")]
    [InlineData("0::1")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("x")]
    [InlineData("2147483648")]
    public void MalformedAccessStringsDoNotParse(string access) =>
        Assert.False(BtfExt.TryParseAccessString(access, out _));
}
