using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ManagedBpf.Buffers;

/// <summary>
/// Reads a record's bytes as the C struct a program wrote: the whole record as one struct, or a fixed header followed
/// by bytes of variable length (execsnoop's <c>struct event</c> is its header fields, then <c>args_size</c> bytes of
/// arguments, and the program sends only those). Works on any span, so inside the zero-copy handlers too
/// (<see cref="Ring.IRingRecordHandler.OnRecord"/>, a <see cref="Ring.RingRecordCallback"/>, a
/// <see cref="Perf.PerfSampleCallback"/>, or <see cref="Perf.PerfSample.GetContiguous"/>), without copying the record.
/// </summary>
/// <remarks>
/// <para>
/// Structs are read in host byte order and need no alignment. A record shorter than the struct is not an error: the
/// bytes it lacks read as zeros, as they would from a zeroed C struct the program filled in part (this is the rule of
/// the typed asynchronous streams too, which count such records in <see cref="BufferMetrics.ShortName"/>). A record
/// longer than the struct has its first bytes read.
/// </para>
/// <para>
/// The tail starts at <c>sizeof(THeader)</c> unless told otherwise. Pass the C offset of the variable member when the
/// C# header's size differs from it: C lays out <c>struct { __u64 ts; __u32 len; char data[]; }</c> with
/// <c>data</c> at 12, while a C# struct of the two fields is 16 bytes long (its size rounds up to its alignment).
/// </para>
/// <para>
/// A perf sample's raw data is the kernel's padded raw size (<see cref="Perf.PerfSampleLayout.PaddedRawSize"/>), so its
/// tail ends with up to 7 bytes the program did not write: use the length the record carries (execsnoop's
/// <c>args_size</c>). A ring buffer record's length is exactly what the program submitted.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// struct ExecHeader { public int Pid, Ppid, Uid, Retval, ArgsCount; public uint ArgsSize; public Comm Comm; }
///
/// struct Printer : IRingRecordHandler
/// {
///     public bool OnRecord(ReadOnlySpan&lt;byte&gt; payload)
///     {
///         var header = TypedRecord.Read&lt;ExecHeader&gt;(payload, out var args);   // no copy of the arguments
///         Print(header.Pid, args[..Math.Min(args.Length, (int)header.ArgsSize)]);
///         return true;
///     }
/// }
/// </code>
/// </example>
public static class TypedRecord
{
    /// <summary>Reads the first <c>sizeof(T)</c> bytes of <paramref name="record"/> as a <typeparamref name="T"/>; bytes the record lacks read as zeros.</summary>
    /// <typeparam name="T">The record's C layout as an unmanaged struct.</typeparam>
    /// <param name="record">The record's bytes.</param>
    /// <returns>The struct.</returns>
    public static T Read<T>(ReadOnlySpan<byte> record)
        where T : unmanaged
    {
        if (record.Length >= Unsafe.SizeOf<T>())
            return MemoryMarshal.Read<T>(record);
        return ReadShort<T>(record);
    }

    /// <summary>
    /// Reads the start of <paramref name="record"/> as a <typeparamref name="THeader"/> (bytes the record lacks read as
    /// zeros) and returns the bytes after it, from <c>sizeof(THeader)</c> on.
    /// </summary>
    /// <typeparam name="THeader">The C layout of the record's fixed part.</typeparam>
    /// <param name="record">The record's bytes.</param>
    /// <param name="tail">The bytes from <c>sizeof(THeader)</c> to the end of the record (a slice of <paramref name="record"/>, no copy); empty when the record ends before.</param>
    /// <returns>The header.</returns>
    public static THeader Read<THeader>(ReadOnlySpan<byte> record, out ReadOnlySpan<byte> tail)
        where THeader : unmanaged
    {
        tail = record.Length > Unsafe.SizeOf<THeader>() ? record[Unsafe.SizeOf<THeader>()..] : default;
        return Read<THeader>(record);
    }

    /// <summary>
    /// Reads the start of <paramref name="record"/> as a <typeparamref name="THeader"/> (bytes the record lacks read as
    /// zeros) and returns the bytes from <paramref name="tailOffset"/> on.
    /// </summary>
    /// <typeparam name="THeader">The C layout of the record's fixed part.</typeparam>
    /// <param name="record">The record's bytes.</param>
    /// <param name="tailOffset">Where the variable part starts: the C <c>offsetof</c> of the struct's last, variable member.</param>
    /// <param name="tail">The bytes from <paramref name="tailOffset"/> to the end of the record (a slice of <paramref name="record"/>, no copy); empty when the record ends before.</param>
    /// <returns>The header.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tailOffset"/> is negative.</exception>
    public static THeader Read<THeader>(ReadOnlySpan<byte> record, int tailOffset, out ReadOnlySpan<byte> tail)
        where THeader : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tailOffset);
        tail = record.Length > tailOffset ? record[tailOffset..] : default;
        return Read<THeader>(record);
    }

    /// <summary>A record shorter than <typeparamref name="T"/>: its bytes, then zeros.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static T ReadShort<T>(ReadOnlySpan<byte> record)
        where T : unmanaged
    {
        T value = default;
        record.CopyTo(MemoryMarshal.AsBytes(new Span<T>(ref value)));
        return value;
    }
}
