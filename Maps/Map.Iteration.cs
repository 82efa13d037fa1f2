namespace ManagedBpf.Maps;

public sealed partial class Map
{
    /// <summary>
    /// The keys, copied, in the kernel's iteration order. For allocation-free walks use
    /// <see cref="TryGetNextKey"/>. A hash map that keeps changing can restart the kernel's walk; the
    /// enumeration gives up with an exception rather than loop forever.
    /// </summary>
    /// <exception cref="InvalidOperationException">The walk exceeded four times the map's capacity.</exception>
    public IEnumerable<byte[]> Keys()
    {
        var key = Array.Empty<byte>();
        var next = new byte[KeySize];
        var limit = (4L * MaxEntries) + 16;
        for (long seen = 0; TryGetNextKey(key, next); seen++)
        {
            if (seen >= limit)
                throw new InvalidOperationException($"{ToString()}: iteration visited {seen} keys of a map of {MaxEntries}; the map is changing faster than it can be walked.");
            yield return next;
            key = next;
            next = new byte[KeySize];
        }
    }

    /// <summary>The keys with their values, copied. Keys deleted between the two steps are skipped.</summary>
    public IEnumerable<KeyValuePair<byte[], byte[]>> Entries()
    {
        foreach (var key in Keys())
        {
            var value = new byte[ValueBufferSize];
            if (TryLookup(key, value))
                yield return new(key, value);
        }
    }
}
