using System.Runtime.InteropServices;
using ManagedBpf.Buffers.Perf;

namespace ManagedBpf.Buffers.Tests.Support;

/// <summary>A perf ring written byte by byte, to build contents the kernel would never write.</summary>
internal sealed unsafe class HandBuiltPerfRing : IDisposable
{
    private const int Page = 4096;
    private readonly byte* _block;

    public HandBuiltPerfRing(ulong dataSize, ulong start = 0)
    {
        DataSize = dataSize;
        var length = (nuint)(Page + dataSize);
        _block = (byte*)NativeMemory.AlignedAlloc(length, Page);
        NativeMemory.Clear(_block, length);
        *(ulong*)(_block + PerfEventAbi.DataOffsetOffset) = Page;
        *(ulong*)(_block + PerfEventAbi.DataSizeOffset) = dataSize;
        Head = start;
        Tail = start;
    }

    public ulong DataSize { get; }

    public PerfBufferView View => PerfBufferView.FromMetaPage(_block, Page + DataSize);

    public ulong Head
    {
        get => *(ulong*)(_block + PerfEventAbi.DataHeadOffset);
        set => *(ulong*)(_block + PerfEventAbi.DataHeadOffset) = value;
    }

    public ulong Tail
    {
        get => *(ulong*)(_block + PerfEventAbi.DataTailOffset);
        set => *(ulong*)(_block + PerfEventAbi.DataTailOffset) = value;
    }

    /// <summary>Writes a record at the head and advances the head by <paramref name="advance"/> (default: its length).</summary>
    public ulong Append(ReadOnlySpan<byte> record, ulong? advance = null)
    {
        var position = Head;
        for (var i = 0; i < record.Length; i++)
            _block[Page + (long)((position + (ulong)i) & (DataSize - 1))] = record[i];
        Head = position + (advance ?? (ulong)record.Length);
        return position;
    }

    /// <summary>A well-formed RAW-only sample: header, u32 size, payload padded to 12 + size.</summary>
    public ulong AppendSample(ReadOnlySpan<byte> payload)
    {
        var raw = (int)PerfSampleLayout.PaddedRawSize((ulong)payload.Length);
        var record = new byte[12 + raw];
        new PerfEventHeader(PerfEventAbi.PERF_RECORD_SAMPLE, 0, (ushort)record.Length).Write(record);
        MemoryMarshal.Write(record.AsSpan(8), raw);
        payload.CopyTo(record.AsSpan(12));
        return Append(record);
    }

    /// <summary>A header of any type and size followed by zeros up to <paramref name="length"/> bytes.</summary>
    public ulong AppendHeader(uint type, ushort size, int length)
    {
        var record = new byte[length];
        new PerfEventHeader(type, 0, size).Write(record);
        return Append(record);
    }

    public void Dispose() => NativeMemory.AlignedFree(_block);
}
