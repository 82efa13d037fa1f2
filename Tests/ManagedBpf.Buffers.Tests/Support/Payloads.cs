namespace ManagedBpf.Buffers.Tests.Support;

/// <summary>Deterministic payload bytes, distinct per record, so a misplaced or torn record cannot compare equal.</summary>
internal static class Payloads
{
    public static byte[] For(long seed, int length)
    {
        var bytes = new byte[length];
        var state = (ulong)seed * 0x9E3779B97F4A7C15UL + 0x632BE59BD9B4E019UL;
        for (var i = 0; i < bytes.Length; i++)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            bytes[i] = (byte)state;
        }

        return bytes;
    }
}
