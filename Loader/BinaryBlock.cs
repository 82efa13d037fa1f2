using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace ManagedBpf.Loader;

/// <summary>
/// A bounds-checked, little-endian view of an ELF file, one of its sections, or a BTF blob.
/// Every read of object bytes goes through <see cref="Fits"/>, the single overflow-safe bounds check,
/// and fails with a <see cref="BpfObjectFormatException"/> naming <see cref="Section"/> and the offset.
/// </summary>
internal readonly ref struct BinaryBlock
{
    private readonly ReadOnlySpan<byte> _bytes;

    public BinaryBlock(ReadOnlySpan<byte> bytes, string? section)
    {
        _bytes = bytes;
        Section = section;
    }

    /// <summary>The section name used in error messages; null when the block is the whole file.</summary>
    public string? Section { get; }

    public int Length => _bytes.Length;

    public ReadOnlySpan<byte> Span => _bytes;

    /// <summary>
    /// True when <c>[offset, offset + count)</c> lies inside a buffer of <paramref name="length"/> bytes.
    /// Compared as <see cref="ulong"/> and without adding, so no offset or count taken from the input can overflow it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Fits(ulong offset, ulong count, int length) =>
        offset <= (ulong)length && count <= (ulong)length - offset;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> Slice(ulong offset, ulong count)
    {
        if (!Fits(offset, count, _bytes.Length))
        {
            ThrowOutOfBounds(offset, count);
        }

        return _bytes.Slice((int)offset, (int)count);
    }

    public BinaryBlock Sub(ulong offset, ulong count, string? section) => new(Slice(offset, count), section);

    public byte U8(ulong offset) => Slice(offset, 1)[0];

    public ushort U16(ulong offset) => BinaryPrimitives.ReadUInt16LittleEndian(Slice(offset, 2));

    public uint U32(ulong offset) => BinaryPrimitives.ReadUInt32LittleEndian(Slice(offset, 4));

    public int I32(ulong offset) => BinaryPrimitives.ReadInt32LittleEndian(Slice(offset, 4));

    public ulong U64(ulong offset) => BinaryPrimitives.ReadUInt64LittleEndian(Slice(offset, 8));

    public long I64(ulong offset) => BinaryPrimitives.ReadInt64LittleEndian(Slice(offset, 8));

    /// <summary>The NUL-terminated string starting at <paramref name="offset"/>, without its terminator.</summary>
    public ReadOnlySpan<byte> CString(ulong offset)
    {
        var rest = Slice(offset, (ulong)_bytes.Length - Math.Min(offset, (ulong)_bytes.Length));
        var end = rest.IndexOf((byte)0);
        if (end < 0)
        {
            Fail("string is not NUL-terminated", offset);
        }

        return rest[..end];
    }

    /// <summary>Throws a <see cref="BpfObjectFormatException"/> located in this block.</summary>
    [DoesNotReturn]
    public void Fail(string message, ulong offset) =>
        BpfObjectFormatException.Throw(message, Section, offset > long.MaxValue ? long.MaxValue : (long)offset);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowOutOfBounds(ulong offset, ulong count) =>
        Fail(string.Create(CultureInfo.InvariantCulture, $"{count} bytes at offset 0x{offset:x} run past the end of {_bytes.Length} bytes"), offset);
}
