using System.Buffers.Binary;

namespace ManagedBpf.Buffers.Chunks;

/// <summary>
/// The header in front of every chunk record that <c>fixtures/include/managedbpf_chunks.h</c> writes:
/// <c>struct mbpf_chunk_hdr { u64 message_id; u32 index; u32 count; u32 length; u32 reserved; }</c>, little-endian,
/// 24 bytes, followed by <c>length</c> bytes of the message. A message of <c>n</c> bytes is split into
/// <c>count = max(1, ceil(n / MaxData))</c> chunks; every chunk but the last carries exactly <see cref="MaxData"/> bytes.
/// </summary>
public readonly record struct ChunkHeader(ulong MessageId, uint Index, uint Count, uint Length)
{
    /// <summary>The size of the header in bytes.</summary>
    public const int Size = 24;

    /// <summary>The largest chunk record, header included: 4 KiB.</summary>
    public const int MaxRecordSize = 4096;

    /// <summary>The message bytes a chunk carries at most: 4,072.</summary>
    public const int MaxData = MaxRecordSize - Size;

    /// <summary>The most chunks the BPF header emits for one message (its bounded loop): 32, so messages of up to 130,304 bytes.</summary>
    public const int MaxChunks = 32;

    /// <summary>Decodes the header at the start of <paramref name="record"/> and checks it against the record.</summary>
    /// <param name="record">A ring buffer record.</param>
    /// <param name="header">The header, when the method returns <see langword="true"/>.</param>
    /// <returns>
    /// <see langword="false"/> when the record is shorter than the header plus its length, the count is 0, the index is
    /// not below the count, or the length breaks the split rule.
    /// </returns>
    public static bool TryRead(ReadOnlySpan<byte> record, out ChunkHeader header)
    {
        header = default;
        if (record.Length < Size)
            return false;
        var h = new ChunkHeader(
            BinaryPrimitives.ReadUInt64LittleEndian(record),
            BinaryPrimitives.ReadUInt32LittleEndian(record[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(record[12..]),
            BinaryPrimitives.ReadUInt32LittleEndian(record[16..]));
        if (h.Count == 0 || h.Index >= h.Count || h.Length > MaxData || (ulong)record.Length < Size + (ulong)h.Length)
            return false;
        if (h.Index + 1 < h.Count && h.Length != MaxData)
            return false;
        header = h;
        return true;
    }

    /// <summary>Writes the header into the first <see cref="Size"/> bytes of <paramref name="destination"/> (reserved bytes zeroed).</summary>
    /// <param name="destination">At least <see cref="Size"/> bytes.</param>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, MessageId);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Index);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], Count);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], Length);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[20..], 0);
    }
}
