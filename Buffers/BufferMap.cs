using ManagedBpf.Kernel;
using ManagedBpf.Kernel.Abi;
using ManagedBpf.Maps;

namespace ManagedBpf.Buffers;

/// <summary>
/// The map a reader or writer works on, held for the reader's lifetime. A borrowed descriptor gets a reference
/// (<see cref="System.Runtime.InteropServices.SafeHandle.DangerousAddRef"/>) so that disposing the caller's
/// <see cref="Map"/> early cannot close the number under the reader's mappings and epoll registration; a pinned
/// map is opened and owned. Every syscall goes through <see cref="Handle"/>, a non-owning alias that stays usable
/// after the caller's handle is disposed.
/// </summary>
internal sealed class BufferMap : IDisposable
{
    private readonly SafeFdHandle _source;
    private readonly bool _owned;
    private int _disposed;

    private BufferMap(SafeFdHandle source, bool owned, string name, BpfMapType type, uint keySize, uint valueSize, uint maxEntries)
    {
        _source = source;
        _owned = owned;
        var added = false;
        source.DangerousAddRef(ref added);
        Handle = new SafeFdHandle(source.Fd, ownsHandle: false);
        Name = name;
        Type = type;
        KeySize = keySize;
        ValueSize = valueSize;
        MaxEntries = maxEntries;
    }

    /// <summary>The descriptor, valid until this object is disposed.</summary>
    internal SafeFdHandle Handle { get; }

    internal string Name { get; }

    internal BpfMapType Type { get; }

    internal uint KeySize { get; }

    internal uint ValueSize { get; }

    /// <summary><c>max_entries</c>: the data size of a ring buffer, the slot count of a perf event array.</summary>
    internal uint MaxEntries { get; }

    /// <summary>Holds <paramref name="map"/>'s descriptor, checking that the map is a <paramref name="expected"/>.</summary>
    internal static BufferMap Borrow(Map map, BpfMapType expected, string reader)
    {
        ArgumentNullException.ThrowIfNull(map);
        return Checked(new BufferMap(map.Handle, owned: false, map.Name, map.Type, map.KeySize, map.ValueSize, map.MaxEntries), expected, reader);
    }

    /// <summary>Holds a map descriptor the caller keeps owning, reading what the map is from the kernel.</summary>
    internal static BufferMap Borrow(SafeFdHandle mapFd, BpfMapType expected, string reader)
    {
        ArgumentNullException.ThrowIfNull(mapFd);
        return FromInfo(mapFd, owned: false, expected, reader);
    }

    /// <summary>Opens the map pinned at <paramref name="path"/>; the descriptor is closed with this object.</summary>
    internal static BufferMap OpenPinned(string path, BpfMapType expected, string reader)
    {
        ArgumentNullException.ThrowIfNull(path);
        var fd = Bpf.ObjGet(path, 0);
        try
        {
            return FromInfo(fd, owned: true, expected, reader);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>BPF_MAP_UPDATE_ELEM of a 4-byte key and a descriptor value (a perf event array slot).</summary>
    internal unsafe void SetDescriptor(uint key, SafeFdHandle descriptor)
    {
        using var lease = descriptor.Borrow();
        var value = lease.Fd;
        var errno = Element(BpfCommand.MAP_UPDATE_ELEM, &key, &value);
        if (errno != Errno.None)
            throw Bpf.ElemError(BpfCommand.MAP_UPDATE_ELEM, errno, 0, Invariant.Format($"map '{Name}' ({Type}), key {key}"));
    }

    /// <summary>BPF_MAP_DELETE_ELEM of a 4-byte key; returns the errno rather than throwing (used while disposing).</summary>
    internal unsafe Errno Delete(uint key) => Element(BpfCommand.MAP_DELETE_ELEM, &key, null);

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _source.DangerousRelease();
        if (_owned)
            _source.Dispose();
    }

    private unsafe Errno Element(BpfCommand command, uint* key, int* value) => Bpf.MapElem(command, Handle, key, value, 0);

    private static BufferMap FromInfo(SafeFdHandle fd, bool owned, BpfMapType expected, string reader)
    {
        // BPF_OBJ_GET_INFO_BY_FD answers for programs, links and BTF too, in another struct: make sure it is a map.
        var kind = DescriptorKind.Of(fd);
        if (kind is not null && !DescriptorKind.IsMap(kind))
            throw new ArgumentException(Invariant.Format($"Descriptor {fd.Fd} is {kind}, not a BPF map; a {reader} works on a {expected} map."), nameof(fd));
        var info = default(BpfMapInfo);
        Bpf.GetInfo(fd, ref info, "map");
        string name;
        unsafe
        {
            name = BpfObjectName.Read(new ReadOnlySpan<byte>(info.name, BpfObjectName.Capacity));
        }
        return Checked(new BufferMap(fd, owned, name, (BpfMapType)info.type, info.key_size, info.value_size, info.max_entries), expected, reader);
    }

    private static BufferMap Checked(BufferMap map, BpfMapType expected, string reader)
    {
        if (map.Type == expected)
            return map;
        map.Dispose();
        throw new ArgumentException(Invariant.Format($"Map '{map.Name}' is a {map.Type} map; a {reader} works on a {expected} map."), nameof(map));
    }
}
