namespace ManagedBpf.Maps;

/// <summary>
/// Where a batch walk of a map stands. The kernel treats the token as opaque: a bucket index for hash
/// maps, the last key for arrays, so it holds max(key size, 4) bytes. Start with a new cursor; the walk
/// is over when <see cref="IsDone"/> is true.
/// </summary>
public sealed class MapBatchCursor
{
    /// <summary>Creates a cursor at the start of <paramref name="map"/>.</summary>
    public MapBatchCursor(Map map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var size = Math.Max((int)map.KeySize, 4);
        In = new byte[size];
        Out = new byte[size];
    }

    /// <summary>Whether the last batch reached the end of the map.</summary>
    public bool IsDone { get; internal set; }

    internal bool IsStarted { get; set; }

    internal byte[] In { get; }

    internal byte[] Out { get; }

    /// <summary>Moves the kernel's output token into the input for the next batch.</summary>
    internal void Advance()
    {
        Out.CopyTo(In, 0);
        IsStarted = true;
    }
}
