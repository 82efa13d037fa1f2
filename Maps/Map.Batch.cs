using ManagedBpf.Kernel;
using ManagedBpf.Kernel.Abi;

namespace ManagedBpf.Maps;

public sealed partial class Map
{
    /// <summary>
    /// Reads up to as many elements as the buffers hold, continuing from <paramref name="cursor"/>
    /// (BPF_MAP_LOOKUP_BATCH, or BPF_MAP_LOOKUP_AND_DELETE_BATCH when <paramref name="delete"/>).
    /// Returns how many elements were written; the cursor says whether the map is exhausted.
    /// </summary>
    /// <param name="cursor">Where the walk stands; updated.</param>
    /// <param name="keys">A multiple of <see cref="KeySize"/> bytes.</param>
    /// <param name="values">The same number of elements × <see cref="ValueBufferSize"/> bytes.</param>
    /// <param name="delete">Delete what was read.</param>
    /// <exception cref="BpfSyscallException">ENOSPC: a hash bucket holds more elements than the buffers (pass larger ones); EINVAL or ENOTSUPP: the map type has no batch operations.</exception>
    public unsafe int LookupBatch(MapBatchCursor cursor, Span<byte> keys, Span<byte> values, bool delete = false)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        if (cursor.IsDone)
            return 0;
        var count = BatchCount(keys.Length, values.Length);
        var command = delete ? BpfCommand.MAP_LOOKUP_AND_DELETE_BATCH : BpfCommand.MAP_LOOKUP_BATCH;
        fixed (byte* inBatch = cursor.In)
        fixed (byte* outBatch = cursor.Out)
        fixed (byte* k = keys)
        fixed (byte* v = values)
        {
            var attr = new MapBatchAttr
            {
                in_batch = cursor.IsStarted ? (ulong)inBatch : 0,
                out_batch = (ulong)outBatch,
                keys = (ulong)k,
                values = (ulong)v,
                count = (uint)count,
            };
            var errno = RunBatch(command, ref attr);
            if (errno == Errno.ENOENT)
                cursor.IsDone = true;
            else if (errno != Errno.None)
                throw BatchError(command, errno);
            cursor.Advance();
            return (int)attr.count;
        }
    }

    /// <summary>Creates or replaces many elements in one call (BPF_MAP_UPDATE_BATCH). Returns how many were written.</summary>
    /// <exception cref="BpfSyscallException">The first failure; elements before it were written.</exception>
    public unsafe int UpdateBatch(ReadOnlySpan<byte> keys, ReadOnlySpan<byte> values, MapUpdateFlags flags = MapUpdateFlags.Any)
    {
        var count = BatchCount(keys.Length, values.Length);
        fixed (byte* k = keys)
        fixed (byte* v = values)
        {
            var attr = new MapBatchAttr { keys = (ulong)k, values = (ulong)v, count = (uint)count, elem_flags = (ulong)flags };
            var errno = RunBatch(BpfCommand.MAP_UPDATE_BATCH, ref attr);
            return errno == Errno.None ? (int)attr.count : throw BatchError(BpfCommand.MAP_UPDATE_BATCH, errno, (ulong)flags);
        }
    }

    /// <summary>Deletes many keys in one call (BPF_MAP_DELETE_BATCH). Returns how many were deleted.</summary>
    /// <exception cref="BpfSyscallException">ENOENT when a key is absent (keys before it were deleted), and the rest.</exception>
    public unsafe int DeleteBatch(ReadOnlySpan<byte> keys)
    {
        if (KeySize == 0 || keys.Length % KeySize != 0)
            throw new ArgumentException($"{ToString()}: keys must be a whole number of {KeySize}-byte keys; got {keys.Length} bytes.", nameof(keys));
        fixed (byte* k = keys)
        {
            var attr = new MapBatchAttr { keys = (ulong)k, count = (uint)(keys.Length / (int)KeySize) };
            var errno = RunBatch(BpfCommand.MAP_DELETE_BATCH, ref attr);
            return errno == Errno.None ? (int)attr.count : throw BatchError(BpfCommand.MAP_DELETE_BATCH, errno);
        }
    }

    private Errno RunBatch(BpfCommand command, ref MapBatchAttr attr)
    {
        using var lease = Handle.Borrow();
        attr.map_fd = (uint)lease.Fd;
        Bpf.Syscall(command, ref attr, out var errno);
        return errno;
    }

    private BpfSyscallException BatchError(BpfCommand command, Errno errno, ulong flags = 0) => errno switch
    {
        Errno.ENOSPC => Bpf.Error(command, errno, ToString(), "A hash bucket holds more elements than the buffers: pass room for more."),
        Errno.EINVAL or Errno.ENOTSUPP or Errno.EOPNOTSUPP when command != BpfCommand.MAP_UPDATE_BATCH =>
            Bpf.Error(command, errno, ToString(), $"{Type} maps do not support batch operations on this kernel (or the flags are not allowed)."),
        _ => Bpf.ElemError(command, errno, flags, ToString()),
    };

    private int BatchCount(int keyBytes, int valueBytes)
    {
        if (KeySize == 0 || keyBytes % KeySize != 0 || valueBytes % ValueBufferSize != 0 || keyBytes / KeySize != valueBytes / ValueBufferSize)
        {
            throw new ArgumentException(
                $"{ToString()}: batch buffers must hold the same number of {KeySize}-byte keys and {ValueBufferSize}-byte values; got {keyBytes} and {valueBytes} bytes.");
        }
        var count = keyBytes / (int)KeySize;
        return count > 0 ? count : throw new ArgumentException($"{ToString()}: a batch needs room for at least one element.");
    }
}
