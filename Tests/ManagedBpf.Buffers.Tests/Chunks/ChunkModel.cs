using ManagedBpf.Buffers.Chunks;
using ManagedBpf.Buffers.Simulation;

namespace ManagedBpf.Buffers.Tests.Chunks;

/// <summary>
/// What <c>fixtures/include/managedbpf_chunks.h</c>'s <c>mbpf_chunk_output</c> does, over a simulated ring: reserve a
/// 4,096-byte record per chunk, write the header and the chunk, submit; count a failed reservation and go on.
/// </summary>
internal static class ChunkModel
{
    /// <summary>The chunk records of a message, in order.</summary>
    internal static List<byte[]> Split(ulong id, ReadOnlySpan<byte> message)
    {
        var count = message.Length == 0 ? 1 : (message.Length + ChunkHeader.MaxData - 1) / ChunkHeader.MaxData;
        var records = new List<byte[]>();
        for (var i = 0; i < count; i++)
        {
            var length = Math.Min(ChunkHeader.MaxData, message.Length - (i * ChunkHeader.MaxData));
            var record = new byte[ChunkHeader.MaxRecordSize];
            new ChunkHeader(id, (uint)i, (uint)count, (uint)length).Write(record);
            message.Slice(i * ChunkHeader.MaxData, length).CopyTo(record.AsSpan(ChunkHeader.Size));
            records.Add(record);
        }

        return records;
    }

    /// <summary>Emits a message into the simulated ring; returns the indices whose reservation failed.</summary>
    internal static List<int> Emit(RingBufferSimulator ring, ulong id, ReadOnlySpan<byte> message)
    {
        var failed = new List<int>();
        var records = Split(id, message);
        for (var i = 0; i < records.Count; i++)
        {
            if (!ring.TryReserve(ChunkHeader.MaxRecordSize, out var reservation))
            {
                failed.Add(i);
                continue;
            }

            ring.Write(reservation, 0, records[i]);
            ring.Submit(reservation);
        }

        return failed;
    }

    internal static byte[] Message(ulong id, int size)
    {
        var message = new byte[size];
        for (var i = 0; i < size; i++)
            message[i] = (byte)((i * 7) + (int)id);
        return message;
    }
}
