using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader.Tests;

/// <summary>
/// <see cref="BtfValueWriter"/> (values to JSON) and <see cref="BtfValueParser"/> (text to values): on the
/// clang-built <c>run_event</c> of <c>run_events.bpf.o</c>, and on hand-built BTF for the kinds clang 14 does
/// not emit (ENUM64, signed enums, 128-bit integers, anonymous members, unions).
/// </summary>
public sealed class BtfValueTests
{
    private static readonly BtfSpec RunEvents = Fixtures.Open("run_events.bpf.o").Btf;

    [Fact]
    public void Writes_a_clang_built_struct_with_bitfields_enums_nested_arrays_and_strings()
    {
        var writer = BtfValueWriter.ForType(RunEvents, "struct run_event");
        var value = new byte[writer.Size];
        BinaryPrimitives.WriteUInt32LittleEndian(value, 4242);
        BinaryPrimitives.WriteInt32LittleEndian(value.AsSpan(4), -42);
        BinaryPrimitives.WriteUInt64LittleEndian(value.AsSpan(8), ulong.MaxValue);
        "bash"u8.CopyTo(value.AsSpan(16));
        BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan(32), 2); // RUN_KIND_TAGGED
        value[36] = 5 | (17 << 3); // flags:3 = 5, level:5 = 17
        BinaryPrimitives.WriteInt16LittleEndian(value.AsSpan(38), -1);
        BinaryPrimitives.WriteInt16LittleEndian(value.AsSpan(40), 2);
        BinaryPrimitives.WriteInt16LittleEndian(value.AsSpan(42), 300);
        BinaryPrimitives.WriteInt16LittleEndian(value.AsSpan(44), -400);
        new byte[] { 1, 2, 3, 4, 5, 6 }.CopyTo(value.AsSpan(46));
        value[52] = 1;
        "12345678"u8.CopyTo(value.AsSpan(53)); // fills label[8]: no NUL, the whole array is the string

        Assert.Equal(64u, writer.Size);
        Assert.Equal(
            """{"pid":4242,"delta":-42,"seq":18446744073709551615,"comm":"bash","kind":"RUN_KIND_TAGGED","flags":5,"level":17,"points":[{"x":-1,"y":2},{"x":300,"y":-400}],"grid":[[1,2,3],[4,5,6]],"tagged":true,"label":"12345678"}""",
            Json(writer, value));
    }

    [Fact]
    public void A_record_sent_in_part_writes_its_fixed_members_and_the_elements_of_its_last_array_that_are_present()
    {
        // As libbpf-tools' execsnoop sends a header and args_size bytes of args: here run_event up to 3 bytes of label.
        var writer = BtfValueWriter.ForType(RunEvents, "struct run_event");
        Assert.Equal(53u, writer.MinimumSize);
        var value = new byte[56];
        BinaryPrimitives.WriteUInt32LittleEndian(value, 7);
        "abcdef"u8[..3].CopyTo(value.AsSpan(53));
        var json = Json(writer, value);
        Assert.StartsWith("{\"pid\":7,", json);
        Assert.EndsWith("\"tagged\":false,\"label\":\"abc\"}", json);
        Assert.Contains("needs 53", Assert.Throws<ArgumentException>(() => Json(writer, new byte[52])).Message);
    }

    [Fact]
    public void Finds_types_by_plain_or_tagged_name_and_lists_the_structs_when_it_cannot()
    {
        Assert.Equal(BtfValueWriter.ForType(RunEvents, "run_event").TypeId, BtfValueWriter.ForType(RunEvents, "struct run_event").TypeId);
        Assert.Equal(BtfKind.ENUM, RunEvents.KindOf(BtfValueWriter.ForType(RunEvents, "enum run_kind").TypeId));
        var e = Assert.Throws<KeyNotFoundException>(() => BtfValueWriter.ForType(RunEvents, "union run_event"));
        Assert.Contains("run_event, run_point", e.Message);
    }

    [Fact]
    public void Refuses_short_values_and_types_with_no_value()
    {
        var writer = BtfValueWriter.ForType(RunEvents, "run_point");
        using var json = new Utf8JsonWriter(new MemoryStream());
        var e = Assert.Throws<ArgumentException>(() => writer.Write(json, new byte[3]));
        Assert.Contains("needs 4", e.Message);

        Assert.True(RunEvents.TryFindType("on_getppid", BtfKind.FUNC, out var function));
        Assert.Throws<ArgumentException>(() => new BtfValueWriter(RunEvents, function));
    }

    [Fact]
    public void Writes_kinds_clang_14_does_not_emit()
    {
        // Strings: 1 "int", 5 "s", 7 "a", 9 "b", then ours.
        var (table, names) = TestElfBuilder.StringTable("int", "s", "a", "b", "e64", "NEG", "BIG", "u128", "char", "f", "d", "u", "x", "y", "sen");
        var (e64, neg, big, u128, chr, f, d, u, x, y, sen) = (names[4], names[5], names[6], names[7], names[8], names[9], names[10], names[11], names[12], names[13], names[14]);
        var blob = BtfWriter.Write(
            [
                /* 1 */ new BtfInt(names[0], 4, BtfIntEncoding.SIGNED, 0, 32),
                /* 2 */ new BtfEnum64(e64, 8, [new BtfEnum64Value(big, 1UL << 40)]),
                /* 3 */ new BtfEnum(sen, 4, [new BtfEnumValue(neg, -5)], isSigned: true),
                /* 4 */ new BtfInt(u128, 16, BtfIntEncoding.None, 0, 128),
                /* 5 */ new BtfInt(chr, 1, BtfIntEncoding.SIGNED, 0, 8),
                /* 6 */ new BtfArray(5, 1, 4),
                /* 7 */ new BtfFloat(f, 4),
                /* 8 */ new BtfFloat(d, 8),
                /* 9 */ new BtfStruct(0, 8, [new BtfMember(x, 1, 0), new BtfMember(y, 1, 32)]),
                /* 10 */ new BtfUnion(u, 8, [new BtfMember(names[2], 2, 0), new BtfMember(names[3], 8, 0)]),
                /* 11 */ new BtfStruct(names[1], 64,
                [
                    new BtfMember(e64, 2, 0), new BtfMember(sen, 3, 64), new BtfMember(u128, 4, 128), new BtfMember(chr, 6, 256),
                    new BtfMember(f, 7, 288), new BtfMember(0, 9, 320), new BtfMember(u, 10, 384), new BtfMember(d, 8, 448),
                ]),
            ],
            table);
        var btf = BtfSpec.Parse(blob);
        var value = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(value, 1UL << 40);
        BinaryPrimitives.WriteInt32LittleEndian(value.AsSpan(8), -5);
        BinaryPrimitives.WriteUInt64LittleEndian(value.AsSpan(16), 0x1122334455667788);
        BinaryPrimitives.WriteUInt64LittleEndian(value.AsSpan(24), 0x99);
        value[32] = 0xff; // invalid UTF-8
        value[33] = (byte)'A';
        BinaryPrimitives.WriteSingleLittleEndian(value.AsSpan(36), float.NaN);
        BinaryPrimitives.WriteInt32LittleEndian(value.AsSpan(40), 7);
        BinaryPrimitives.WriteInt32LittleEndian(value.AsSpan(44), -8);
        BinaryPrimitives.WriteUInt64LittleEndian(value.AsSpan(48), 3);
        BinaryPrimitives.WriteDoubleLittleEndian(value.AsSpan(56), 1.5);

        Assert.Equal(
            """{"e64":"BIG","sen":"NEG","u128":"0x00000000000000991122334455667788","char":"\uFFFDA","f":"NaN","x":7,"y":-8,"u":{"a":3,"b":1.5E-323},"d":1.5}""",
            Json(new BtfValueWriter(btf, 11), value));
    }

    [Fact]
    public void Decodes_signed_and_enum_bitfields_and_bitfields_encoded_without_the_kind_flag()
    {
        var (table, n) = TestElfBuilder.StringTable("int", "uint", "e", "A", "B", "s", "t", "x", "y", "z", "w", "v");
        var blob = BtfWriter.Write(
            [
                /* 1 */ new BtfInt(n[0], 4, BtfIntEncoding.SIGNED, 0, 32),
                /* 2 */ new BtfInt(n[1], 4, BtfIntEncoding.None, 0, 32),
                /* 3 */ new BtfEnum(n[2], 4, [new BtfEnumValue(n[3], -2), new BtfEnumValue(n[4], 3)], isSigned: true),
                // kind flag: x:3 signed, y:5 unsigned, z:4 enum (signed), w:20 signed straddling bytes
                /* 4 */ new BtfStruct(n[5], 8, [new BtfMember(n[7], 1, 0, 3), new BtfMember(n[8], 2, 3, 5), new BtfMember(n[9], 3, 8, 4), new BtfMember(n[10], 1, 12, 20)], kindFlag: true),
                // no kind flag: the int types carry the bitfields (BTF_INT_OFFSET, BTF_INT_BITS), as old compilers wrote them
                /* 5 */ new BtfInt(n[0], 4, BtfIntEncoding.SIGNED, 4, 4),
                /* 6 */ new BtfStruct(n[6], 4, [new BtfMember(n[7], 5, 0), new BtfMember(n[11], 8, 8)]),
                /* 7 */ new BtfInt(n[1], 16, BtfIntEncoding.SIGNED, 0, 128),
                /* 8 */ new BtfInt(n[1], 4, BtfIntEncoding.None, 0, 8),
            ],
            table);
        var btf = BtfSpec.Parse(blob);

        // x = -3 (0b101), y = 17, z = -2 (0b1110), w = -100000
        ulong packed = 0b101 | (17UL << 3) | (0b1110UL << 8) | (unchecked((ulong)-100000) & 0xfffff) << 12;
        Assert.Equal("""{"x":-3,"y":17,"z":"A","w":-100000}""", Json(new BtfValueWriter(btf, 4), BitConverter.GetBytes(packed)));
        // x: bits 4..7 of its int (0b1001, -7 as 4 signed bits); v: 8 bits from bit 8.
        Assert.Equal("""{"x":-7,"v":171}""", Json(new BtfValueWriter(btf, 6), [0x90, 0xab, 0, 0]));
        // 128-bit integers do not fit a JSON number: a hex string of all 128 bits, whatever the sign.
        Assert.Equal("\"0xffffffffffffffffffffffffffffffff\"", Json(new BtfValueWriter(btf, 7), Enumerable.Repeat((byte)0xff, 16).ToArray()));
    }

    [Fact]
    public void Rejects_malformed_types_when_the_writer_is_created()
    {
        var (table, n) = TestElfBuilder.StringTable("int", "s", "x", "e");
        BtfSpec Blob(params BtfType[] types) => BtfSpec.Parse(BtfWriter.Write(types, table));

        // A bitfield of a struct type, and one wider than its int.
        Assert.Contains("Bitfield x", Assert.Throws<ArgumentException>(() => new BtfValueWriter(Blob(
            new BtfInt(n[0], 4, BtfIntEncoding.SIGNED, 0, 32), new BtfStruct(n[1], 4, [new BtfMember(n[0], 1, 0)]),
            new BtfStruct(n[1], 8, [new BtfMember(n[2], 2, 0, 3)], kindFlag: true)), 3)).Message);
        Assert.Contains("Bitfield x", Assert.Throws<ArgumentException>(() => new BtfValueWriter(Blob(
            new BtfInt(n[0], 4, BtfIntEncoding.SIGNED, 0, 32),
            new BtfStruct(n[1], 64, [new BtfMember(n[2], 1, 0, 200)], kindFlag: true)), 2)).Message);
        // An int whose bits lie outside its bytes.
        Assert.Contains("not a valid integer", Assert.Throws<ArgumentException>(() => new BtfValueWriter(Blob(
            new BtfInt(n[0], 1, BtfIntEncoding.None, 16, 8)), 1)).Message);
        // A million empty structs: a malformed type, not a value to print.
        Assert.Contains("JSON values", Assert.Throws<ArgumentException>(() => new BtfValueWriter(Blob(
            new BtfInt(n[0], 4, BtfIntEncoding.SIGNED, 0, 32), new BtfStruct(n[1], 0, []), new BtfArray(2, 1, 200_000_000)), 3)).Message);
    }

    [Theory]
    [InlineData("target_pid", "4242", "92100000")]
    [InlineData("target_pid", "0x10", "10000000")]
    [InlineData("delta", "-1", "ffffffff")]
    [InlineData("delta", "-2147483648", "00000080")]
    [InlineData("kind", "RUN_KIND_TAGGED", "02000000")]
    [InlineData("kind", "7", "07000000")]
    [InlineData("tagged", "true", "01")]
    [InlineData("tagged", "0", "00")]
    [InlineData("label", "hi", "6869000000000000")]
    [InlineData("label", "", "0000000000000000")]
    [InlineData("target_pid", " 0X1f ", "1f000000")]
    [InlineData("target_pid", "1_000", "e8030000")]
    [InlineData("delta", "-0x10", "f0ffffff")]
    public void Parses_text_into_a_variables_bytes(string variable, string text, string hex)
    {
        var spec = ObjectSpec.Open(Path.Combine(Fixtures.Directory, "run_events.bpf.o"));
        var target = spec.Variable(variable);
        target.Bytes.Fill(0xaa);
        BtfValueParser.Parse(spec.Btf!, target.BtfTypeId, text, target.Bytes);
        Assert.Equal(hex, Convert.ToHexStringLower(target.Bytes));
    }

    [Theory]
    [InlineData("target_pid", "-1", "holds 0 to 4294967295")]
    [InlineData("target_pid", "4294967296", "holds 0 to 4294967295")]
    [InlineData("target_pid", "12abc", "not an integer")]
    [InlineData("delta", "2147483648", "holds -2147483648 to 2147483647")]
    [InlineData("kind", "RUN_KIND_NONE", "use one of RUN_KIND_PLAIN, RUN_KIND_TAGGED")]
    [InlineData("tagged", "yes", "use true, false, 1 or 0")]
    [InlineData("label", "12345678", "at most 7")]
    [InlineData("target_pid", "0x", "not an integer")]
    [InlineData("delta", "-0x", "not an integer")]
    [InlineData("target_pid", "", "not an integer")]
    public void Refuses_text_that_is_not_a_value_and_says_the_rule(string variable, string text, string rule)
    {
        var spec = ObjectSpec.Open(Path.Combine(Fixtures.Directory, "run_events.bpf.o"));
        var target = spec.Variable(variable);
        var before = target.Bytes.ToArray();
        var e = Assert.Throws<FormatException>(() => BtfValueParser.Parse(spec.Btf!, target.BtfTypeId, text, target.Bytes));
        Assert.Contains(rule, e.Message);
        Assert.Equal(before, target.Bytes.ToArray()); // a refused value changes nothing
    }

    private static string Json(BtfValueWriter writer, byte[] value)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
            writer.Write(json, value);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
