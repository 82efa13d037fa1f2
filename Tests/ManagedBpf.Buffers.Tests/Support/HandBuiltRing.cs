using System.Runtime.InteropServices;
using ManagedBpf.Buffers.Ring;

namespace ManagedBpf.Buffers.Tests.Support;

/// <summary>
/// Ring buffer memory written byte by byte, bypassing the producer model, to build rings the kernel would never
/// produce. Laid out like the kernel's mapping: consumer page, producer page, data twice.
/// </summary>
internal sealed unsafe class HandBuiltRing : IDisposable
{
    private const int Page = 4096;
    private readonly byte* _block;

    public HandBuiltRing(ulong size, ulong consumer, ulong producer)
    {
        Size = size;
        var length = (nuint)(2 * Page + 2 * size);
        _block = (byte*)NativeMemory.AlignedAlloc(length, Page);
        NativeMemory.Clear(_block, length);
        *(ulong*)_block = consumer;
        *(ulong*)(_block + Page) = producer;
    }

    public ulong Size { get; }

    public RingBufferView View => new((ulong*)_block, (ulong*)(_block + Page), Data, Size);

    public byte* Data => _block + 2 * Page;

    public ulong Consumer => *(ulong*)_block;

    /// <summary>Writes a header (and optionally payload) at a position, into both copies of the data area.</summary>
    public void WriteRecord(ulong position, uint length, ReadOnlySpan<byte> payload = default)
    {
        Span<byte> header = stackalloc byte[8];
        new RingRecordHeader(length, 0).Write(header);
        Mirror(position, header);
        Mirror(position + 8, payload);
    }

    public void Mirror(ulong position, ReadOnlySpan<byte> bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            var offset = (position + (ulong)i) & (Size - 1);
            Data[offset] = bytes[i];
            Data[offset + Size] = bytes[i];
        }
    }

    public void Dispose() => NativeMemory.AlignedFree(_block);
}
