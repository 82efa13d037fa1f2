using System.Buffers.Binary;
using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader.Tests;

public sealed class BtfMalformedTests
{
    private static BtfSpec Parse(byte[] blob) => BtfSpec.Parse(blob);

    [Fact]
    public void TheSmallBlobIsValid()
    {
        var btf = Parse(TestBtf.Small());

        Assert.Equal(5u, btf.TypeCount);
        Assert.Equal("s", btf.NameOf(2));
        Assert.Equal(8u, btf.GetSize(4 - 1));
        Assert.Equal(2u, btf.SkipModifiers(3));
        Assert.Equal(8u, btf.GetSize(4));
    }

    [Fact]
    public void TooShortForAHeader() =>
        Assertions.ThrowsFormat(() => Parse([0x9f, 0xeb, 1, 0]), "too short for a header", ".BTF", 0);

    [Fact]
    public void BadMagic()
    {
        var blob = TestBtf.Small();
        blob[0] = 0;

        Assertions.ThrowsFormat(() => Parse(blob), "bad BTF magic 0xeb00", ".BTF", 0);
    }

    [Fact]
    public void BigEndianBtfIsNamed()
    {
        var blob = TestBtf.Small();
        (blob[0], blob[1]) = (blob[1], blob[0]);

        Assertions.ThrowsFormat(() => Parse(blob), "big-endian BTF is not supported", ".BTF", 0);
    }

    [Fact]
    public void UnknownVersion()
    {
        var blob = TestBtf.Small();
        blob[2] = 2;

        Assertions.ThrowsFormat(() => Parse(blob), "unsupported BTF version 2", ".BTF", 2);
    }

    [Theory]
    [InlineData(16u, "shorter than the 24-byte header")]
    [InlineData(100000u, "exceeds the")]
    public void BadHeaderLength(uint hdrLen, string message)
    {
        var blob = TestBtf.Small();
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(4), hdrLen);

        Assertions.ThrowsFormat(() => Parse(blob), message, ".BTF", 4);
    }

    [Fact]
    public void LongerHeadersAreAcceptedAndTheirTailIgnored()
    {
        var small = TestBtf.Small();
        var blob = new byte[small.Length + 8];
        small.AsSpan(0, 24).CopyTo(blob);
        small.AsSpan(24).CopyTo(blob.AsSpan(32));
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(4), 32);

        var btf = Parse(blob);

        Assert.Equal(32u, btf.Header.HdrLen);
        Assert.Equal("s", btf.NameOf(2));
        Assert.Equal(small, btf.Encode()); // re-encoded with the standard header
    }

    [Theory]
    [InlineData(12, 0xffffffffu, 8, "BTF type section (type_off 0, type_len 4294967295) exceeds")]
    [InlineData(8, 0xfffffff0u, 8, "BTF type section (type_off 4294967280")]
    [InlineData(20, 0xffffffffu, 16, "BTF string section")]
    [InlineData(16, 0xfffffffcu, 16, "BTF string section (str_off 4294967292")]
    [InlineData(16, 8u, 8, "overlaps or follows the string section")]
    public void SectionBoundsAreCheckedWithoutOverflow(int field, uint value, long offset, string message)
    {
        var blob = TestBtf.Small();
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(field), value);

        Assertions.ThrowsFormat(() => Parse(blob), message, ".BTF", offset);
    }

    [Fact]
    public void StringSectionMustStartWithTheEmptyStringAndEndWithNul()
    {
        var blob = TestBtf.Small();
        var stringsAt = blob.Length - TestBtf.Strings.Length;
        var first = (byte[])blob.Clone();
        first[stringsAt] = (byte)'x';
        var last = (byte[])blob.Clone();
        last[^1] = (byte)'x';
        var empty = (byte[])blob.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(empty.AsSpan(20), 0);

        Assertions.ThrowsFormat(() => Parse(first), "does not start with the empty string", ".BTF", stringsAt);
        Assertions.ThrowsFormat(() => Parse(last), "is not NUL-terminated", ".BTF", blob.Length - 1);
        Assertions.ThrowsFormat(() => Parse(empty), "string section is empty", ".BTF", 20);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(20)]
    [InlineData(31)]
    public void UnknownKindsStopTheScan(int kind)
    {
        var blob = TestBtf.Small();
        var info = TestBtf.SmallTypeOffset(2) + 4;
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(info), (uint)kind << 24);

        Assertions.ThrowsFormat(() => Parse(blob), $"BTF type [3] has unknown kind {kind}", ".BTF", info);
    }

    [Fact]
    public void AVlenThatOverrunsTheTypeSectionIsRejected()
    {
        var blob = TestBtf.Small();
        var at = TestBtf.SmallTypeOffset(1);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(at + 4), (4u << 24) | 0xffff);

        Assertions.ThrowsFormat(() => Parse(blob), "BTF type [2] STRUCT with vlen 65535 needs 786432 bytes", ".BTF", at);
    }

    [Fact]
    public void ATruncatedLastTypeIsRejected()
    {
        var blob = TestBtf.Small();
        // Claim 8 more bytes of types: the last 8 bytes of the "type section" are now the start of the strings.
        var typeLen = BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(12));
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(12), typeLen + 8);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(16), typeLen + 8);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(20), (uint)TestBtf.Strings.Length - 8);

        Assertions.ThrowsFormat(() => Parse(blob), "BTF type [5] is truncated: 8 bytes left", ".BTF", 24 + typeLen);
    }

    [Fact]
    public void ReferencesPastTheLastTypeAreRejected()
    {
        var blob = TestBtf.Small();
        var field = TestBtf.SmallTypeOffset(3) + 8;
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(field), 99);

        Assertions.ThrowsFormat(() => Parse(blob), "BTF type [4] PTR refers to type [99], but the last type is [4]", ".BTF", field);
    }

    [Fact]
    public void MemberReferencesAndNamesAreChecked()
    {
        var blob = TestBtf.Small();
        var member1 = TestBtf.SmallTypeOffset(1) + 12 + 12;
        var badType = (byte[])blob.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(badType.AsSpan(member1 + 4), 5);
        var badName = (byte[])blob.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(badName.AsSpan(member1), 1000);

        Assertions.ThrowsFormat(() => Parse(badType), "BTF type [2] STRUCT refers to type [5]", ".BTF", member1 + 4);
        Assertions.ThrowsFormat(() => Parse(badName), "name offset 1000 is outside the 11-byte string section", ".BTF", member1);
    }

    [Fact]
    public void CyclicTypedefsAreReportedNotLoopedOn()
    {
        var btf = Parse(TestBtf.Blob(new BtfTypedef(TestBtf.A, 2), new BtfTypedef(TestBtf.B, 1)));

        Assertions.ThrowsFormat(() => btf.GetSize(1), "longer than 32 types", ".BTF", 24);
        Assertions.ThrowsFormat(() => btf.SkipModifiers(2), "longer than 32 types", ".BTF", 36);
        Assert.Equal(1u, btf.SkipQualifiers(1)); // typedefs are kept by SkipQualifiers
        Assert.False(btf.TryGetSize(1, out _));
    }

    [Fact]
    public void SelfReferencingPointersHaveASize()
    {
        var btf = Parse(TestBtf.Blob(new BtfPtr(1)));

        Assert.Equal(8u, btf.GetSize(1));
    }

    [Fact]
    public void ArraySizesThatOverflowAreRejected()
    {
        var btf = Parse(TestBtf.Blob(
            new BtfInt(TestBtf.Int, 4, BtfIntEncoding.None, 0, 32),
            new BtfArray(1, 1, 0x10000),
            new BtfArray(2, 1, 0x10000),
            new BtfArray(3, 1, 0x10000)));

        Assert.Equal(0x40000u, btf.GetSize(2));
        Assertions.ThrowsFormat(() => btf.GetSize(3), "size exceeds 4 GiB", ".BTF", 24 + 16 + 24);
        Assertions.ThrowsFormat(() => btf.GetSize(4), "array size exceeds 4 GiB", ".BTF", 24 + 16 + 24 + 24);
        Assert.Equal(0u, Parse(TestBtf.Blob(new BtfInt(TestBtf.Int, 4, 0, 0, 32), new BtfArray(1, 1, 0))).GetSize(2));
    }

    [Fact]
    public void EveryTruncationOfAFixtureBtfIsAFormatError()
    {
        var elf = Fixtures.Elf("btf_kinds.bpf.o");
        var btf = elf.GetSectionData(elf.FindSection(".BTF")!).ToArray();

        for (var length = 0; length < btf.Length; length++)
        {
            Assert.Throws<BpfObjectFormatException>(() => BtfSpec.Parse(btf.AsMemory(0, length)));
        }
    }
}
