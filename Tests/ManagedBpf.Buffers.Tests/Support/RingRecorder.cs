using ManagedBpf.Buffers.Ring;

namespace ManagedBpf.Buffers.Tests.Support;

/// <summary>A struct handler that copies every payload it gets and checks it points inside the mapping.</summary>
internal unsafe struct RingRecorder : IRingRecordHandler
{
    private readonly byte* _low;
    private readonly byte* _high;

    public RingRecorder(in RingBufferView view, int stopAfter = int.MaxValue)
    {
        _low = view.Data;
        _high = view.Data + 2 * view.Size;
        StopAfter = stopAfter;
    }

    public List<byte[]> Records { get; } = [];

    public int StopAfter { get; }

    public int OutOfBounds { get; private set; }

    public bool OnRecord(ReadOnlySpan<byte> payload)
    {
        if (!payload.IsEmpty)
        {
            fixed (byte* p = payload)
            {
                if (p < _low || p + payload.Length > _high)
                    OutOfBounds++;
            }
        }

        Records.Add(payload.ToArray());
        return Records.Count < StopAfter;
    }
}
