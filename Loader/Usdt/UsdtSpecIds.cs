namespace ManagedBpf.Loader.Usdt;

/// <summary>
/// The spec ids of one loaded object (libbpf's <c>usdt_manager</c> bookkeeping): small integers, the keys of the
/// <c>__bpf_usdt_specs</c> array map, handed out lowest first and reused after a detach (most recently freed first),
/// never reaching the map's <c>max_entries</c> (<c>BPF_USDT_MAX_SPEC_CNT</c>, 256 by default). Thread-safe.
/// </summary>
public sealed class UsdtSpecIds
{
    private readonly Lock _lock = new();
    private readonly Stack<int> _free = new();
    private int _next;

    /// <summary>A pool of ids below <paramref name="capacity"/>.</summary>
    /// <param name="capacity">The specs map's <c>max_entries</c>.</param>
    public UsdtSpecIds(uint capacity) => Capacity = (int)Math.Min(capacity, int.MaxValue);

    /// <summary>How many ids there are in all.</summary>
    public int Capacity { get; }

    /// <summary>How many ids are handed out.</summary>
    public int InUse
    {
        get
        {
            lock (_lock)
                return _next - _free.Count;
        }
    }

    /// <summary>Takes <paramref name="count"/> ids, all or none.</summary>
    /// <param name="count">How many distinct specifications need one.</param>
    /// <returns>The ids.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">Fewer than <paramref name="count"/> ids are free (libbpf: E2BIG); the message says how to raise the limit.</exception>
    public int[] Allocate(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_lock)
        {
            var available = _free.Count + (Capacity - _next);
            if (count > available)
            {
                throw new InvalidOperationException(
                    $"{count} USDT specs are needed but only {available} of the {Capacity} slots of __bpf_usdt_specs are free: detach other USDT links, or build the object with a larger BPF_USDT_MAX_SPEC_CNT.");
            }

            var ids = new int[count];
            for (var i = 0; i < count; i++)
                ids[i] = _free.Count > 0 ? _free.Pop() : _next++;
            return ids;
        }
    }

    /// <summary>Gives ids back for reuse.</summary>
    /// <param name="ids">Ids from <see cref="Allocate"/>, each given back once.</param>
    public void Release(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        lock (_lock)
        {
            foreach (var id in ids)
                _free.Push(id);
        }
    }
}
