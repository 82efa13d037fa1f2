using System.Buffers.Binary;
using System.Text;

namespace ManagedBpf.Cli;

/// <summary>
/// <c>struct exec_event</c> of fixtures/src/exec_trace.bpf.c, decoded from a record: a fixed header, then
/// <c>args_size</c> bytes of NUL-separated arguments (records are only as long as their arguments).
/// </summary>
internal readonly record struct ExecEvent(ulong TimestampNs, uint Pid, uint Ppid, uint Uid, int ReturnValue, string Comm, string FileName, IReadOnlyList<string> Arguments)
{
    private const int CommOffset = 32;
    private const int FileNameOffset = CommOffset + 16;
    private const int ArgsOffset = FileNameOffset + 256;

    /// <summary>Decodes a record; null when it is shorter than the fixed header (a producer/consumer mismatch).</summary>
    internal static ExecEvent? Decode(ReadOnlySpan<byte> record)
    {
        if (record.Length < ArgsOffset)
            return null;
        var argsSize = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(record[28..]), (uint)(record.Length - ArgsOffset));
        var argBytes = record.Slice(ArgsOffset, argsSize);
        var args = new List<string>();
        foreach (var range in argBytes.Split((byte)0))
        {
            var arg = argBytes[range];
            if (!arg.IsEmpty)
                args.Add(Encoding.UTF8.GetString(arg));
        }
        return new ExecEvent(
            BinaryPrimitives.ReadUInt64LittleEndian(record),
            BinaryPrimitives.ReadUInt32LittleEndian(record[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(record[12..]),
            BinaryPrimitives.ReadUInt32LittleEndian(record[16..]),
            BinaryPrimitives.ReadInt32LittleEndian(record[20..]),
            CString(record.Slice(CommOffset, 16)),
            CString(record.Slice(FileNameOffset, 256)),
            args);
    }

    private static string CString(ReadOnlySpan<byte> field)
    {
        var end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }
}
