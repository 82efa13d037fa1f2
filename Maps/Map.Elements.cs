using ManagedBpf.Kernel;

namespace ManagedBpf.Maps;

public sealed partial class Map
{
    /// <summary>Looks a key up. Returns false when the key is absent.</summary>
    /// <param name="key">Exactly <see cref="KeySize"/> bytes.</param>
    /// <param name="value">Exactly <see cref="ValueBufferSize"/> bytes; receives the value.</param>
    /// <exception cref="ArgumentException">A buffer has the wrong size (the message states the rule).</exception>
    /// <exception cref="BpfSyscallException">Any failure other than an absent key.</exception>
    public unsafe bool TryLookup(ReadOnlySpan<byte> key, Span<byte> value)
    {
        CheckKey(key);
        CheckValue(value.Length);
        fixed (byte* k = key)
        fixed (byte* v = value)
            return Answer(BpfCommand.MAP_LOOKUP_ELEM, Bpf.MapElem(BpfCommand.MAP_LOOKUP_ELEM, Handle, KeyPointer(k), v, 0), 0);
    }

    /// <summary>Creates or replaces an element, as <paramref name="flags"/> allow.</summary>
    /// <param name="key">Exactly <see cref="KeySize"/> bytes.</param>
    /// <param name="value">Exactly <see cref="ValueBufferSize"/> bytes.</param>
    /// <param name="flags">BPF_ANY, BPF_NOEXIST or BPF_EXIST (and BPF_F_LOCK).</param>
    /// <exception cref="BpfSyscallException">E2BIG when the map is full, EEXIST/ENOENT against the flags, and the rest.</exception>
    public unsafe void Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, MapUpdateFlags flags = MapUpdateFlags.Any)
    {
        CheckKey(key);
        CheckValue(value.Length);
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            var errno = Bpf.MapElem(BpfCommand.MAP_UPDATE_ELEM, Handle, KeyPointer(k), v, (ulong)flags);
            if (errno != Errno.None)
                throw Bpf.ElemError(BpfCommand.MAP_UPDATE_ELEM, errno, (ulong)flags, ToString());
        }
    }

    /// <summary>Deletes a key. Returns false when it was absent.</summary>
    /// <exception cref="BpfSyscallException">Any failure other than an absent key (arrays refuse deletion with EINVAL).</exception>
    public unsafe bool Delete(ReadOnlySpan<byte> key)
    {
        CheckKey(key);
        fixed (byte* k = key)
            return Answer(BpfCommand.MAP_DELETE_ELEM, Bpf.MapElem(BpfCommand.MAP_DELETE_ELEM, Handle, KeyPointer(k), null, 0), 0);
    }

    /// <summary>
    /// Gets the key after <paramref name="key"/>, or the first key when <paramref name="key"/> is empty.
    /// Returns false after the last key. For hash maps, a key deleted meanwhile restarts the walk (kernel behaviour).
    /// </summary>
    /// <param name="key">Empty for the first key, else exactly <see cref="KeySize"/> bytes.</param>
    /// <param name="nextKey">Exactly <see cref="KeySize"/> bytes; receives the next key.</param>
    public unsafe bool TryGetNextKey(ReadOnlySpan<byte> key, Span<byte> nextKey)
    {
        if (!key.IsEmpty)
            CheckKey(key);
        CheckKey(nextKey);
        fixed (byte* k = key)
        fixed (byte* n = nextKey)
            return Answer(BpfCommand.MAP_GET_NEXT_KEY, Bpf.MapElem(BpfCommand.MAP_GET_NEXT_KEY, Handle, key.IsEmpty ? null : k, n, 0), 0);
    }

    /// <summary>Looks a key up and deletes it in one step. Returns false when the key is absent.</summary>
    public unsafe bool TryLookupAndDelete(ReadOnlySpan<byte> key, Span<byte> value)
    {
        CheckKey(key);
        CheckValue(value.Length);
        fixed (byte* k = key)
        fixed (byte* v = value)
            return Answer(BpfCommand.MAP_LOOKUP_AND_DELETE_ELEM, Bpf.MapElem(BpfCommand.MAP_LOOKUP_AND_DELETE_ELEM, Handle, KeyPointer(k), v, 0), 0);
    }

    /// <summary>Pushes a value onto a QUEUE or STACK map.</summary>
    /// <param name="value">Exactly <see cref="ValueSize"/> bytes.</param>
    /// <param name="flags"><see cref="MapUpdateFlags.Exist"/> overwrites the oldest element when full; otherwise a full map is E2BIG.</param>
    public void Push(ReadOnlySpan<byte> value, MapUpdateFlags flags = MapUpdateFlags.Any) => Update([], value, flags);

    /// <summary>Pops the next value off a QUEUE (oldest) or STACK (newest). Returns false when empty.</summary>
    public bool TryPop(Span<byte> value) => TryLookupAndDelete([], value);

    /// <summary>Reads the next value of a QUEUE or STACK without removing it. Returns false when empty.</summary>
    public bool TryPeek(Span<byte> value) => TryLookup([], value);

    /// <summary>
    /// Stores a descriptor at <paramref name="index"/> of a map whose values are descriptors (PROG_ARRAY,
    /// PERF_EVENT_ARRAY, ARRAY_OF_MAPS, HASH_OF_MAPS with 4-byte keys, CGROUP_ARRAY). Lookups on such maps
    /// return object ids, not descriptors.
    /// </summary>
    public void SetDescriptor(uint index, SafeFdHandle descriptor, MapUpdateFlags flags = MapUpdateFlags.Any)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        using var lease = descriptor.Borrow();
        var fd = lease.Fd;
        Update(AsBytes(ref index), AsBytes(ref fd), flags);
    }

    private static Span<byte> AsBytes<T>(ref T value)
        where T : unmanaged => System.Runtime.InteropServices.MemoryMarshal.AsBytes(new Span<T>(ref value));

    /// <summary>A queue or stack has no key: the kernel wants a null pointer, not an empty buffer.</summary>
    private unsafe byte* KeyPointer(byte* key) => KeySize == 0 ? null : key;

    private bool Answer(BpfCommand command, Errno errno, ulong flags) => errno switch
    {
        Errno.None => true,
        Errno.ENOENT => false,
        _ => throw Bpf.ElemError(command, errno, flags, ToString()),
    };

    private void CheckKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
            ThrowSize("key", key.Length, (int)KeySize, KeySize == 0 ? $"{Type} maps have no key" : $"keys of this map are {KeySize} bytes");
    }

    private void CheckValue(int length)
    {
        if (length != ValueBufferSize)
        {
            var rule = IsPerCpu
                ? $"per-CPU values take round_up(value_size {ValueSize}, 8) × {KernelInfo.PossibleCpuCount} possible CPUs = {ValueBufferSize} bytes"
                : $"values of this map are {ValueSize} bytes";
            ThrowSize("value", length, ValueBufferSize, rule);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowSize(string what, int actual, int expected, string rule) =>
        throw new ArgumentException($"{ToString()}: a {what} buffer of {actual} bytes was passed where {expected} are needed ({rule}).", what);
}
