using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FsCheck;
using FsCheck.Fluent;
using ManagedBpf.Buffers.Tests.Properties;

namespace ManagedBpf.Buffers.Tests;

/// <summary><see cref="TypedRecord"/>: a struct from any length of record, zeros for what a short one lacks, the tail as a slice.</summary>
public sealed class TypedRecordTests
{
    [Fact]
    public void A_record_of_the_structs_size_or_longer_reads_its_first_bytes()
    {
        byte[] record = [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE]; // sizeof(Pair) = 16
        Assert.Equal(new Pair(1, 2), TypedRecord.Read<Pair>(record));
        Assert.Equal(new Pair(1, 2), TypedRecord.Read<Pair>(record.AsSpan(0, 16)));
    }

    [Fact]
    public void A_shorter_record_reads_with_zeros_for_the_bytes_it_lacks()
    {
        Assert.Equal(new Pair(0x0201, 0), TypedRecord.Read<Pair>([1, 2]));
        Assert.Equal(new Pair(7, 0x03), TypedRecord.Read<Pair>([7, 0, 0, 0, 0, 0, 0, 0, 3]));
        Assert.Equal(default, TypedRecord.Read<Pair>([]));
    }

    [Fact]
    public void The_tail_starts_after_the_struct_or_at_the_offset_given_and_is_a_slice()
    {
        byte[] record = [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE];
        var header = TypedRecord.Read<Pair>(record, out var tail); // sizeof(Pair) = 16
        Assert.Equal(new Pair(1, 2), header);
        Assert.Equal([0xEE], tail.ToArray());
        Assert.True(Unsafe.AreSame(ref MemoryMarshal.GetReference(tail), ref record[16]));

        header = TypedRecord.Read<Pair>(record, 12, out tail); // C: struct { u64 a; u32 b; char tail[]; }
        Assert.Equal(new Pair(1, 2), header); // the struct's padding (12 to 15) overlaps the tail
        Assert.Equal([0xAA, 0xBB, 0xCC, 0xDD, 0xEE], tail.ToArray());
        Assert.True(Unsafe.AreSame(ref MemoryMarshal.GetReference(tail), ref record[12]));

        Assert.True(TypedRecord.Read<Pair>(record.AsSpan(0, 12), 12, out tail).A == 1 && tail.IsEmpty);
        Assert.True(TypedRecord.Read<Pair>(record.AsSpan(0, 5), out tail).A == 1 && tail.IsEmpty);
    }

    [Fact]
    public void A_negative_tail_offset_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TypedRecord.Read<Pair>([1, 2, 3], -1, out _));

    /// <summary>For any record and offset: the struct's bytes are the record's, then zeros; the tail is the record from the offset on.</summary>
    [Fact]
    public void Any_record_reads_as_its_bytes_then_zeros_and_its_tail() =>
        PropertyRuns.Check(
            2_000,
            from length in Gen.Choose(0, 64)
            from bytes in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), length)
            from offset in Gen.Choose(0, 70)
            select (Bytes: bytes, Offset: offset),
            _ => [],
            c =>
            {
                var header = TypedRecord.Read<Wide>(c.Bytes, c.Offset, out var tail);
                var read = MemoryMarshal.AsBytes(new ReadOnlySpan<Wide>(in header)).ToArray();
                var expected = new byte[Unsafe.SizeOf<Wide>()];
                c.Bytes.AsSpan(0, Math.Min(c.Bytes.Length, expected.Length)).CopyTo(expected);
                Assert.Equal(expected, read);
                Assert.Equal(c.Bytes.Length > c.Offset ? c.Bytes[c.Offset..] : [], tail.ToArray());
            });

    private readonly record struct Pair(ulong A, uint B);

    [InlineArray(40)]
    private struct Wide
    {
        private byte _element;
    }
}
