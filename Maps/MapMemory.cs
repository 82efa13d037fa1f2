using System.Runtime.CompilerServices;
using ManagedBpf.Kernel;
using ManagedBpf.Kernel.Abi;

namespace ManagedBpf.Maps;

/// <summary>
/// The values of a <c>BPF_F_MMAPABLE</c> array mapped into this process (what libbpf's skeleton reads
/// <c>skel-&gt;bss</c> through): reads and writes go straight to the memory the programs use, with no syscall.
/// Element <c>i</c> starts at <c>i × round_up(value_size, 8)</c>, the kernel's array stride.
/// </summary>
/// <remarks>
/// Each access is one unaligned load or store of its type: a value of 8 bytes or less that is naturally
/// aligned is read or written whole, as the programs see it; larger values can tear against a program writing
/// them at the same time, as they can in C.
/// </remarks>
public sealed class MapMemory : IDisposable
{
    private readonly SafeMmapHandle _mapping;

    internal MapMemory(Map map, bool writable)
    {
        if (map.Type != BpfMapType.ARRAY || (map.Flags & MapFlags.Mmapable) == 0)
            throw new InvalidOperationException($"{map} cannot be mapped: only an array created with BPF_F_MMAPABLE (MapFlags.Mmapable) can.");
        var stride = (map.ValueSize + 7UL) & ~7UL;
        Length = checked((int)(stride * map.MaxEntries));
        var page = (ulong)KernelInfo.PageSize;
        IsReadOnly = !writable;
        _mapping = SafeMmapHandle.Map(map.Handle, (nuint)(((ulong)Length + page - 1) & ~(page - 1)),
            writable ? MemoryProtection.ReadWrite : MemoryProtection.Read, 0, map.ToString());
        Name = map.Name;
    }

    /// <summary>The map's name.</summary>
    public string Name { get; }

    /// <summary>The bytes of all values: <c>round_up(value_size, 8) × max_entries</c>.</summary>
    public int Length { get; }

    /// <summary>Whether the mapping is read-only (as a frozen map, such as a loaded <c>.rodata</c>, must be mapped).</summary>
    public bool IsReadOnly { get; }

    /// <summary>Reads a <typeparamref name="T"/> at byte <paramref name="offset"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value does not lie inside <see cref="Length"/>.</exception>
    /// <exception cref="ObjectDisposedException">The memory was unmapped.</exception>
    public unsafe T Read<T>(int offset)
        where T : unmanaged
    {
        Check<T>(offset);
        using var lease = _mapping.Acquire();
        return Unsafe.ReadUnaligned<T>(lease.Pointer + offset);
    }

    /// <summary>Writes <paramref name="value"/> at byte <paramref name="offset"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value does not lie inside <see cref="Length"/>.</exception>
    /// <exception cref="InvalidOperationException">The mapping is read-only.</exception>
    /// <exception cref="ObjectDisposedException">The memory was unmapped.</exception>
    public unsafe void Write<T>(int offset, T value)
        where T : unmanaged
    {
        Check<T>(offset);
        if (IsReadOnly)
            throw new InvalidOperationException($"Map '{Name}' is mapped read-only.");
        using var lease = _mapping.Acquire();
        Unsafe.WriteUnaligned(lease.Pointer + offset, value);
    }

    /// <summary>Unmaps the memory (once no read or write is in progress).</summary>
    public void Dispose() => _mapping.Dispose();

    private void Check<T>(int offset)
        where T : unmanaged
    {
        if ((uint)offset > (uint)Length || Unsafe.SizeOf<T>() > Length - offset)
            throw new ArgumentOutOfRangeException(nameof(offset), $"{Unsafe.SizeOf<T>()} bytes at offset {offset} do not lie inside map '{Name}''s {Length} bytes of values.");
    }
}
