using System.Buffers.Binary;
using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader.Tests;

/// <summary>A hand-built object BTF and a .BTF.ext for it, with every field at a known offset so tests can corrupt one.</summary>
internal static class TestBtfExt
{
    public static readonly (byte[] Table, uint[] Offsets) Strings =
        TestElfBuilder.StringTable("int", "f", "s", "a", "b", "prog", "file.c", "int x = 1;", "0:1");

    public static uint Name(int index) => Strings.Offsets[index];

    /// <summary>[1] int, [2] int (void) proto, [3] FUNC f, [4] struct s { int a; int b; }.</summary>
    public static BtfSpec Btf() => BtfSpec.Parse(BtfWriter.Write(
        [
            new BtfInt(Name(0), 4, BtfIntEncoding.SIGNED, 0, 32),
            new BtfFuncProto(1, []),
            new BtfFunc(Name(1), 2, BtfFuncLinkage.GLOBAL),
            new BtfStruct(Name(2), 8, [new BtfMember(Name(3), 1, 0), new BtfMember(Name(4), 1, 32)]),
        ],
        Strings.Table));

    // Layout with hdr_len 32: func_info at 32 (4 + 8 + 8 = 20 bytes), line_info at 52 (4 + 8 + 16 = 28), core_relo at 80 (4 + 8 + 16 = 28).
    public const int FuncInfoAt = 32, LineInfoAt = 52, CoreReloAt = 80, Length = 108;

    public static byte[] Build(uint hdrLen = 32)
    {
        var b = new byte[Length];
        var s = b.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(s, 0xeB9F);
        s[2] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(s[4..], hdrLen);
        Put(s, 8, FuncInfoAt - 32, 20, LineInfoAt - 32, 28, CoreReloAt - 32, 28);
        // func_info: rec_size 8; sec "prog", 1 record: insn_off 0, type_id 3 (FUNC f).
        Put(s, FuncInfoAt, 8, Name(5), 1, 0, 3);
        // line_info: rec_size 16; sec "prog", 1 record: insn_off 8, file.c, "int x = 1;", line 42 col 7.
        Put(s, LineInfoAt, 16, Name(5), 1, 8, Name(6), Name(7), (42u << 10) | 7);
        // core_relo: rec_size 16; sec "prog", 1 record: insn_off 16, struct s, "0:1", FIELD_BYTE_OFFSET.
        Put(s, CoreReloAt, 16, Name(5), 1, 16, 4, Name(8), 0);
        return b;
    }

    public static void Put(Span<byte> span, int at, params uint[] values)
    {
        foreach (var v in values)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[at..], v);
            at += 4;
        }
    }
}
