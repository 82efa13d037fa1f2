using System.Text;

namespace ManagedBpf.Kernel;

/// <summary>
/// The kernel's object name rule (BPF_OBJ_NAME_LEN = 16 including the NUL; only ASCII letters, digits,
/// '_' and '.'). Longer names are truncated as libbpf truncates them; other characters become '_'
/// (libbpf's rule for internal map names), so the kernel never rejects a name.
/// </summary>
public static class BpfObjectName
{
    /// <summary>BPF_OBJ_NAME_LEN: 15 characters and the terminating NUL.</summary>
    public const int Capacity = 16;

    /// <summary>Writes the kernel form of <paramref name="name"/> into a 16-byte field: at most 15 valid characters, NUL-padded.</summary>
    public static void Write(string? name, Span<byte> destination)
    {
        destination.Clear();
        if (string.IsNullOrEmpty(name))
            return;
        var count = 0;
        foreach (var c in name)
        {
            if (count == Capacity - 1)
                break;
            destination[count++] = char.IsAsciiLetterOrDigit(c) || c is '_' or '.' ? (byte)c : (byte)'_';
        }
    }

    /// <summary>Reads a NUL-terminated name field.</summary>
    public static string Read(ReadOnlySpan<byte> field)
    {
        var end = field.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? field : field[..end]);
    }
}
