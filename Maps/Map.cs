using ManagedBpf.Kernel;
using ManagedBpf.Kernel.Abi;

namespace ManagedBpf.Maps;

/// <summary>
/// A BPF map the process holds a descriptor to. Disposing closes the descriptor; the kernel frees the map
/// when no descriptor, pin or program refers to it any more. Thread-safe: every operation borrows the
/// descriptor for the duration of its syscall, so a concurrent Dispose cannot close it mid-call.
/// </summary>
public sealed partial class Map : IDisposable
{
    private MapInfo? _info;

    private Map(SafeFdHandle handle, string name, BpfMapType type, uint keySize, uint valueSize, uint maxEntries, MapFlags flags)
    {
        Handle = handle;
        Name = name;
        Type = type;
        KeySize = keySize;
        ValueSize = valueSize;
        MaxEntries = maxEntries;
        Flags = flags;
        IsPerCpu = MapSpec.IsPerCpuType(type);
        ValueBufferSize = IsPerCpu ? checked((int)(((valueSize + 7) & ~7u) * (uint)KernelInfo.PossibleCpuCount)) : (int)valueSize;
    }

    /// <summary>The map's descriptor.</summary>
    public SafeFdHandle Handle { get; }

    /// <summary>The map's name.</summary>
    public string Name { get; }

    /// <summary>The map type.</summary>
    public BpfMapType Type { get; }

    /// <summary>Key size in bytes.</summary>
    public uint KeySize { get; }

    /// <summary>Value size in bytes as the kernel knows it (per CPU for per-CPU maps).</summary>
    public uint ValueSize { get; }

    /// <summary>Capacity (data bytes for ring buffers).</summary>
    public uint MaxEntries { get; }

    /// <summary>Creation flags.</summary>
    public MapFlags Flags { get; }

    /// <summary>Whether values hold one slot per possible CPU.</summary>
    public bool IsPerCpu { get; }

    /// <summary>
    /// The bytes a value occupies in user space: <see cref="ValueSize"/>, or for per-CPU maps
    /// <c>round_up(value_size, 8) × possible CPUs</c>, which is what lookups write and updates read.
    /// </summary>
    public int ValueBufferSize { get; }

    /// <summary>The kernel's id for this map.</summary>
    public uint Id => GetInfo().Id;

    /// <summary>Creates a map.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A buffer map's size breaks the kernel's rule.</exception>
    /// <exception cref="BpfSyscallException">The kernel refused; the hint names the rule or privilege.</exception>
    /// <exception cref="MapIncompatibleException">A map pinned by name exists with other attributes.</exception>
    public static Map Create(MapSpec spec, MapCreateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec = spec.Normalize();
        if (spec.Pinning == MapPinning.ByName)
            return CreateOrOpenPinned(spec, options);

        SafeFdHandle? inner = null;
        try
        {
            if (spec.InnerMap is { } innerSpec)
                inner = Create(innerSpec with { Pinning = MapPinning.None, Name = innerSpec.Name.Length > 0 ? innerSpec.Name : spec.Name + ".inner" }).Handle;
            var attr = new MapCreateAttr
            {
                map_type = (uint)spec.Type,
                key_size = spec.KeySize,
                value_size = spec.ValueSize,
                max_entries = spec.MaxEntries,
                map_flags = (uint)spec.Flags,
                numa_node = spec.NumaNode,
                btf_key_type_id = spec.BtfKeyTypeId,
                btf_value_type_id = spec.BtfValueTypeId,
                btf_vmlinux_value_type_id = spec.BtfVmlinuxValueTypeId,
                map_extra = spec.MapExtra,
            };
            unsafe
            {
                BpfObjectName.Write(spec.Name, new Span<byte>(attr.map_name, BpfObjectName.Capacity));
            }
            // The inner map is a template: the kernel copies its shape, so it is closed right after.
            attr.inner_map_fd = inner is null ? 0 : (uint)inner.Fd;
            var btf = spec.BtfKeyTypeId != 0 || spec.BtfValueTypeId != 0 || spec.BtfVmlinuxValueTypeId != 0 ? options?.Btf : null;
            if (btf is null)
                attr.btf_key_type_id = attr.btf_value_type_id = attr.btf_vmlinux_value_type_id = 0;
            using var btfLease = btf is null ? default : btf.Borrow();
            attr.btf_fd = btf is null ? 0 : (uint)btfLease.Fd;
            var fd = Bpf.MapCreate(ref attr, Describe(spec.Name, spec.Type));
            return new Map(fd, spec.Name, spec.Type, spec.KeySize, spec.ValueSize, spec.MaxEntries, spec.Flags);
        }
        finally
        {
            inner?.Dispose();
        }
    }

    /// <summary>Takes ownership of a map descriptor, reading the map's attributes from the kernel.</summary>
    /// <exception cref="ArgumentException">The descriptor is another BPF object (a program, link or BTF).</exception>
    /// <exception cref="BpfSyscallException">The descriptor is not a BPF object at all.</exception>
    public static Map FromFd(SafeFdHandle fd)
    {
        ArgumentNullException.ThrowIfNull(fd);
        // BPF_OBJ_GET_INFO_BY_FD fills a program's or link's info into the map struct without complaint.
        var kind = DescriptorKind.Of(fd);
        if (DescriptorKind.IsBpfObject(kind) && !DescriptorKind.IsMap(kind))
            throw new ArgumentException($"The descriptor is {kind}, not a BPF map.", nameof(fd));
        var info = ReadInfo(fd, null);
        return new Map(fd, info.Name, info.Type, info.KeySize, info.ValueSize, info.MaxEntries, info.Flags) { _info = info };
    }

    /// <summary>Opens the map with kernel id <paramref name="id"/>.</summary>
    public static Map FromId(uint id) => Opened(Bpf.GetFdById(BpfCommand.MAP_GET_FD_BY_ID, id));

    /// <summary>Reads what the kernel reports about the map; the result is cached (it does not change).</summary>
    public MapInfo GetInfo() => _info ??= ReadInfo(Handle, Name);

    /// <summary>Closes the descriptor.</summary>
    public void Dispose() => Handle.Dispose();

    /// <inheritdoc/>
    public override string ToString() => Describe(Name, Type);

    internal static string Describe(string name, BpfMapType type) => $"map '{name}' ({type})";

    /// <summary><see cref="FromFd"/> on a descriptor opened here, closing it when it is refused.</summary>
    private static Map Opened(SafeFdHandle fd)
    {
        try
        {
            return FromFd(fd);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    private static unsafe MapInfo ReadInfo(SafeFdHandle fd, string? name)
    {
        var info = default(BpfMapInfo);
        Bpf.GetInfo(fd, ref info, name is null ? "map" : $"map '{name}'");
        return new MapInfo(
            (BpfMapType)info.type,
            info.id,
            info.key_size,
            info.value_size,
            info.max_entries,
            (MapFlags)info.map_flags,
            BpfObjectName.Read(new ReadOnlySpan<byte>(info.name, BpfObjectName.Capacity)),
            info.btf_id,
            info.btf_key_type_id,
            info.btf_value_type_id,
            info.map_extra);
    }
}
