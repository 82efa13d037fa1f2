namespace ManagedBpf.Buffers.Simulation;

/// <summary>Where and how a <see cref="PerfBufferSimulator"/> wrote one sample.</summary>
public readonly struct PerfOutputRecord
{
    internal PerfOutputRecord(ulong position, ushort headerSize, ulong trueSize, uint rawSize, ulong lostReported, ulong lostPosition)
    {
        Position = position;
        HeaderSize = headerSize;
        TrueSize = trueSize;
        RawSize = rawSize;
        LostReported = lostReported;
        LostPosition = lostPosition;
    }

    /// <summary>The free-running position of the sample's header.</summary>
    public ulong Position { get; }

    /// <summary>What <c>header.size</c> says: the true size modulo 65,536, and what the kernel reserved for the sample.</summary>
    public ushort HeaderSize { get; }

    /// <summary>The bytes written from <see cref="Position"/>: prefix plus padded raw size.</summary>
    public ulong TrueSize { get; }

    /// <summary>The u32 raw size written: the payload length padded as the kernel pads it.</summary>
    public uint RawSize { get; }

    /// <summary>Whether the sample outgrew the u16 <c>header.size</c> and spilled past its reservation.</summary>
    public bool IsTruncated => TrueSize != HeaderSize;

    /// <summary>The count in the <c>PERF_RECORD_LOST</c> written just before the sample, or 0 if none was.</summary>
    public ulong LostReported { get; }

    /// <summary>The position of that <c>PERF_RECORD_LOST</c> (meaningful when <see cref="LostReported"/> is not 0).</summary>
    public ulong LostPosition { get; }
}
