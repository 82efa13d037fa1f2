using System.Numerics;

namespace ManagedBpf.Loader.Btf;

/// <summary>
/// A hash index from essential name (<see cref="BtfNames.EssentialLength"/>) to a BTF blob's own type ids, built on first
/// lookup. Keys are hashes of the UTF-8 bytes in the string section, so building it allocates two ints per type and
/// no strings; exact-name lookups share the buckets and compare the full name.
/// </summary>
internal sealed class BtfNameIndex
{
    private readonly int[] _buckets; // first own index + 1 in the bucket's chain; 0 = empty
    private readonly int[] _next;    // next own index + 1 in the chain; 0 = end

    private BtfNameIndex(int[] buckets, int[] next)
    {
        _buckets = buckets;
        _next = next;
    }

    public static BtfNameIndex Build(BtfSpec spec)
    {
        var count = spec.OwnTypeCount;
        var buckets = new int[Math.Max(16, (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(count, 1)))];
        var next = new int[count];
        // Walk backwards and push on the chain heads, so every chain lists ids in ascending order.
        for (var i = count - 1; i >= 0; i--)
        {
            var name = spec.OwnNameBytes(i);
            if (name.IsEmpty)
            {
                continue;
            }

            var bucket = Hash(name[..BtfNames.EssentialLength(name)]) & (buckets.Length - 1);
            next[i] = buckets[bucket];
            buckets[bucket] = i + 1;
        }

        return new BtfNameIndex(buckets, next);
    }

    public void Collect(BtfSpec spec, ReadOnlySpan<byte> name, bool essential, List<uint> into)
    {
        if (name.IsEmpty)
        {
            return;
        }

        var key = essential ? name : name[..BtfNames.EssentialLength(name)];
        for (var entry = _buckets[Hash(key) & (_buckets.Length - 1)]; entry != 0; entry = _next[entry - 1])
        {
            var candidate = spec.OwnNameBytes(entry - 1);
            var matches = essential
                ? candidate[..BtfNames.EssentialLength(candidate)].SequenceEqual(name)
                : candidate.SequenceEqual(name);
            if (matches)
            {
                into.Add(spec.FirstTypeId + (uint)(entry - 1));
            }
        }
    }

    private static int Hash(ReadOnlySpan<byte> bytes)
    {
        var hash = default(HashCode);
        hash.AddBytes(bytes);
        return hash.ToHashCode();
    }
}
