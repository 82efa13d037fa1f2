namespace ManagedBpf.Buffers.Simulation;

/// <summary>Writes that wrap around a ring's data area, as the kernel's producers do.</summary>
internal static unsafe class WrappedWrite
{
    /// <summary>
    /// Writes <paramref name="bytes"/> at <paramref name="offset"/> of a <paramref name="size"/>-byte area, continuing
    /// at its start when the end is reached, as often as needed: a write longer than the area overwrites its own
    /// beginning, as the kernel's perf output does.
    /// </summary>
    internal static void To(byte* area, ulong size, ulong offset, ReadOnlySpan<byte> bytes)
    {
        offset &= size - 1;
        while (!bytes.IsEmpty)
        {
            var chunk = (int)Math.Min((ulong)bytes.Length, size - offset);
            bytes[..chunk].CopyTo(new Span<byte>(area + offset, chunk));
            bytes = bytes[chunk..];
            offset = 0;
        }
    }
}
