using System.Buffers.Binary;
using ManagedBpf.Loader.Btf;
using ManagedBpf.Loader.Usdt;

namespace ManagedBpf.Loader.Tests.Usdt;

/// <summary>
/// <c>struct __bpf_usdt_spec</c> as the object's BTF lays it out: libbpf 1.1's layout (the installed header, which the
/// fixtures are built with) and libbpf 1.7's, whose <c>arg_type</c> became an 8-bit bitfield beside <c>idx_reg_off</c>
/// and <c>scale_bitshift</c> for scale-index-base arguments.
/// </summary>
public sealed class UsdtSpecLayoutTests
{
    [Fact]
    public void The_fixtures_btf_gives_libbpf_11s_layout()
    {
        var layout = UsdtSpecLayout.FromBtf(Fixtures.Open("probes.bpf.o").Btf)!;
        var expected = UsdtSpecLayout.Libbpf11;
        Assert.Equal(
            (expected.Size, expected.MaxArguments, expected.ArgumentsOffset, expected.ArgumentSize, expected.ValueOffset, expected.ArgumentType,
                expected.RegisterOffset, expected.Signed, expected.BitShift, expected.Cookie, expected.ArgumentCount),
            (layout.Size, layout.MaxArguments, layout.ArgumentsOffset, layout.ArgumentSize, layout.ValueOffset, layout.ArgumentType,
                layout.RegisterOffset, layout.Signed, layout.BitShift, layout.Cookie, layout.ArgumentCount));
        Assert.Equal((208u, 12, new UsdtSpecField(64, 32), new UsdtSpecField(96, 16)), (layout.Size, layout.MaxArguments, layout.ArgumentType, layout.RegisterOffset));
        Assert.False(layout.SupportsScaleIndexBase);
        Assert.Null(layout.IndexRegisterOffset);
        Assert.Equal([0L, 1L, 2L, null], Enum.GetValues<UsdtArgumentKind>().Select(layout.KindValue));
    }

    [Fact]
    public void A_spec_is_written_where_libbpf_11s_bpf_usdt_arg_reads_it()
    {
        var spec = UsdtSpecLayout.Libbpf11.Write(UsdtArguments.Parse("-4@-20(%rbp) 8@$7 -1@%sil"), 0xfeedface_deadbeef);

        Assert.Equal(208, spec.Length);
        Assert.Equal(-20L, BinaryPrimitives.ReadInt64LittleEndian(spec)); // args[0].val_off
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(spec.AsSpan(8))); // BPF_USDT_ARG_REG_DEREF
        Assert.Equal(32, BinaryPrimitives.ReadInt16LittleEndian(spec.AsSpan(12))); // offsetof(struct pt_regs, bp)
        Assert.Equal(((byte)1, (byte)32), (spec[14], spec[15])); // signed, 64 - 32
        Assert.Equal(7L, BinaryPrimitives.ReadInt64LittleEndian(spec.AsSpan(16))); // args[1]: the constant
        Assert.Equal(new byte[8], spec[24..32]); // BPF_USDT_ARG_CONST, reg_off 0, unsigned, no shift
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(spec.AsSpan(40))); // args[2]: BPF_USDT_ARG_REG
        Assert.Equal(104, BinaryPrimitives.ReadInt16LittleEndian(spec.AsSpan(44))); // si
        Assert.Equal(((byte)1, (byte)56), (spec[46], spec[47]));
        Assert.All(spec[48..192], b => Assert.Equal(0, b));
        Assert.Equal(0xfeedface_deadbeef, BinaryPrimitives.ReadUInt64LittleEndian(spec.AsSpan(192)));
        Assert.Equal(3, BinaryPrimitives.ReadInt16LittleEndian(spec.AsSpan(200)));
    }

    [Fact]
    public void Scale_index_base_needs_libbpf_17s_header_and_says_so()
    {
        var e = Assert.Throws<NotSupportedException>(() => UsdtSpecLayout.Libbpf11.Write(UsdtArguments.Parse("8@%rax 1@-96(%rbp,%rax,8)"), 0));
        Assert.Contains("#1 '1@-96(%rbp,%rax,8)'", e.Message);
        Assert.Contains("libbpf 1.7", e.Message);
        Assert.Contains("libbpf 1.1's has no such mode", e.Message);
    }

    [Fact]
    public void Libbpf_17s_bitfield_layout_is_read_from_btf_and_written_bit_by_bit()
    {
        var layout = UsdtSpecLayout.FromBtf(BtfSpec.Parse(Libbpf17Btf()))!;
        Assert.True(layout.SupportsScaleIndexBase);
        // The bitfields did not keep reg_off where 1.1 had it: each argument grew from 16 to 24 bytes.
        Assert.Equal((304u, 24u), (layout.Size, layout.ArgumentSize));
        Assert.Equal(
            (new UsdtSpecField(64, 8), new UsdtSpecField(80, 12), new UsdtSpecField(92, 4), new UsdtSpecField(112, 16)),
            (layout.ArgumentType, layout.IndexRegisterOffset, layout.ScaleBitShift, layout.RegisterOffset));
        Assert.Equal(3L, layout.KindValue(UsdtArgumentKind.ScaleIndexBase));

        var spec = layout.Write(UsdtArguments.Parse("-1@-96(%rbp,%r12,8) 8@%rdx"), 42);

        Assert.Equal(-96L, BinaryPrimitives.ReadInt64LittleEndian(spec));
        Assert.Equal(3, spec[8]); // arg_type:8 = BPF_USDT_ARG_SIB
        // idx_reg_off:12 = offsetof(pt_regs, r12) = 24 and scale_bitshift:4 = 3, in the u16 at byte 10.
        Assert.Equal(24 | (3 << 12), BinaryPrimitives.ReadUInt16LittleEndian(spec.AsSpan(10)));
        Assert.Equal((32, (byte)1, (byte)56), (BinaryPrimitives.ReadInt16LittleEndian(spec.AsSpan(14)), spec[16], spec[17]));
        Assert.Equal((1, (ushort)0, (short)96), (spec[32], BinaryPrimitives.ReadUInt16LittleEndian(spec.AsSpan(34)), BinaryPrimitives.ReadInt16LittleEndian(spec.AsSpan(38)))); // args[1]: REG rdx, no index bits
        Assert.Equal((42ul, (short)2), (BinaryPrimitives.ReadUInt64LittleEndian(spec.AsSpan(288)), BinaryPrimitives.ReadInt16LittleEndian(spec.AsSpan(296))));
    }

    [Fact]
    public void More_arguments_than_the_array_holds_are_refused()
    {
        var thirteen = Enumerable.Repeat(UsdtArguments.Parse("8@%rax")[0], 13).ToList();
        Assert.Contains("holds 12 (BPF_USDT_MAX_ARG_CNT)", Assert.Throws<FormatException>(() => UsdtSpecLayout.Libbpf11.Write(thirteen, 0)).Message);
    }

    [Fact]
    public void Btf_without_the_struct_has_no_layout_and_a_struct_missing_a_member_is_a_format_error()
    {
        Assert.Null(UsdtSpecLayout.FromBtf(BtfSpec.Parse(TestBtf.Small())));
        var (strings, o) = TestElfBuilder.StringTable("__bpf_usdt_spec", "args", "long");
        var broken = BtfWriter.Write([new BtfInt(o[2], 8, BtfIntEncoding.SIGNED, 0, 64), new BtfStruct(o[0], 8, [new BtfMember(o[1], 1, 0)])], strings);
        var e = Assert.Throws<BpfObjectFormatException>(() => UsdtSpecLayout.FromBtf(BtfSpec.Parse(broken)));
        Assert.Contains("__bpf_usdt_spec.args is not an array of struct __bpf_usdt_arg_spec", e.Message);
    }

    /// <summary>The types clang-14 emits for libbpf 1.7's usdt.bpf.h (as <c>bpftool btf dump</c> shows them for an object built with it).</summary>
    internal static byte[] Libbpf17Btf()
    {
        var (strings, o) = TestElfBuilder.StringTable(
            "__bpf_usdt_spec", "__bpf_usdt_arg_spec", "args", "usdt_cookie", "arg_cnt", "val_off", "arg_type", "idx_reg_off", "scale_bitshift",
            "__reserved", "reg_off", "arg_signed", "arg_bitshift", "__bpf_usdt_arg_type", "BPF_USDT_ARG_CONST", "BPF_USDT_ARG_REG",
            "BPF_USDT_ARG_REG_DEREF", "BPF_USDT_ARG_SIB", "unsigned long long", "unsigned short", "unsigned char", "short", "_Bool", "char", "int",
            "__u64", "__u16", "__u8", "bool");
        return BtfWriter.Write(
            [
                new BtfInt(o[18], 8, BtfIntEncoding.None, 0, 64), // [1]
                new BtfTypedef(o[25], 1), // [2] __u64
                new BtfEnum(o[13], 4, [new(o[14], 0), new(o[15], 1), new(o[16], 2), new(o[17], 3)]), // [3]
                new BtfInt(o[19], 2, BtfIntEncoding.None, 0, 16), // [4]
                new BtfTypedef(o[26], 4), // [5] __u16
                new BtfInt(o[20], 1, BtfIntEncoding.None, 0, 8), // [6]
                new BtfTypedef(o[27], 6), // [7] __u8
                new BtfInt(o[21], 2, BtfIntEncoding.SIGNED, 0, 16), // [8] short
                new BtfInt(o[22], 1, BtfIntEncoding.BOOL, 0, 8), // [9]
                new BtfTypedef(o[28], 9), // [10] bool
                new BtfInt(o[23], 1, BtfIntEncoding.SIGNED, 0, 8), // [11] char
                new BtfStruct(o[1], 24,
                [
                    new BtfMember(o[5], 2, 0), new BtfMember(o[6], 3, 64, 8), new BtfMember(o[7], 5, 80, 12), new BtfMember(o[8], 5, 92, 4),
                    new BtfMember(o[9], 7, 96, 8), new BtfMember(o[10], 8, 112), new BtfMember(o[11], 10, 128), new BtfMember(o[12], 11, 136),
                ], kindFlag: true), // [12]
                new BtfInt(o[24], 4, BtfIntEncoding.SIGNED, 0, 32), // [13]
                new BtfArray(12, 13, 12), // [14]
                new BtfStruct(o[0], 304, [new BtfMember(o[2], 14, 0), new BtfMember(o[3], 2, 2304), new BtfMember(o[4], 8, 2368)]), // [15]
            ],
            strings);
    }
}
