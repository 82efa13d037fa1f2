using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ManagedBpf.Buffers.Perf;

/// <summary>
/// <c>struct perf_event_header { u32 type; u16 misc; u16 size; }</c>, in host byte order, at the start of every
/// record in a perf ring. <see cref="Size"/> counts the header itself and is a u16: a record of 64 KiB or more
/// cannot describe its own size (see <see cref="PerfCorruptionKind.OversizedSample"/>).
/// </summary>
/// <param name="type">The record type (<c>PERF_RECORD_*</c>).</param>
/// <param name="misc">The <c>PERF_RECORD_MISC_*</c> bits.</param>
/// <param name="size">The record's size in bytes, header included.</param>
public readonly struct PerfEventHeader(uint type, ushort misc, ushort size) : IEquatable<PerfEventHeader>
{
    /// <summary>The record type (<c>PERF_RECORD_*</c>).</summary>
    public uint Type { get; } = type;

    /// <summary>The <c>PERF_RECORD_MISC_*</c> bits.</summary>
    public ushort Misc { get; } = misc;

    /// <summary>The record's size in bytes, header included.</summary>
    public ushort Size { get; } = size;

    /// <summary>Decodes a header from the first 8 bytes of <paramref name="source"/>.</summary>
    /// <param name="source">At least <see cref="PerfEventAbi.HeaderSize"/> bytes.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="source"/> is shorter than a header.</exception>
    public static PerfEventHeader Read(ReadOnlySpan<byte> source)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(source.Length, PerfEventAbi.HeaderSize, nameof(source));
        return new PerfEventHeader(MemoryMarshal.Read<uint>(source), MemoryMarshal.Read<ushort>(source[4..]), MemoryMarshal.Read<ushort>(source[6..]));
    }

    /// <summary>Encodes this header into the first 8 bytes of <paramref name="destination"/>.</summary>
    /// <param name="destination">At least <see cref="PerfEventAbi.HeaderSize"/> bytes.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="destination"/> is shorter than a header.</exception>
    public void Write(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, PerfEventAbi.HeaderSize, nameof(destination));
        var type = Type;
        var misc = Misc;
        var size = Size;
        MemoryMarshal.Write(destination, in type);
        MemoryMarshal.Write(destination[4..], in misc);
        MemoryMarshal.Write(destination[6..], in size);
    }

    /// <inheritdoc/>
    public bool Equals(PerfEventHeader other) => Type == other.Type && Misc == other.Misc && Size == other.Size;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is PerfEventHeader other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Type, Misc, Size);

    /// <summary>Describes the header with the kernel's field names.</summary>
    public override string ToString() => Invariant.Format($"perf_event_header {{ type = {Type}, misc = 0x{Misc:X}, size = {Size} }}");

    /// <summary>Whether two headers hold the same fields.</summary>
    public static bool operator ==(PerfEventHeader left, PerfEventHeader right) => left.Equals(right);

    /// <summary>Whether two headers differ.</summary>
    public static bool operator !=(PerfEventHeader left, PerfEventHeader right) => !left.Equals(right);
}
