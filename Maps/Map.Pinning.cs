using ManagedBpf.Kernel;

namespace ManagedBpf.Maps;

public sealed partial class Map
{
    /// <summary>
    /// Where this object pinned the map (<see cref="Pin"/>, or pinning by name) or opened it from
    /// (<see cref="OpenPinned"/>), or null. The pin may have been removed since.
    /// </summary>
    public string? PinPath { get; private set; }

    /// <summary>
    /// Whether <see cref="PinPath"/> was pinned before this object existed: opened with <see cref="OpenPinned"/>, or
    /// reused by pinning by name (as libbpf reuses a compatible pinned map). False when this object created the pin.
    /// </summary>
    public bool PinReused { get; private set; }

    /// <summary>Pins the map at <paramref name="path"/> on a bpffs, so it outlives this process.</summary>
    /// <exception cref="BpfSyscallException">EEXIST when something is pinned there; EPERM/EINVAL when the path is not on a bpffs.</exception>
    public void Pin(string path)
    {
        Bpf.ObjPin(Handle, path);
        (PinPath, PinReused) = (path, false);
    }

    /// <summary>Opens the map pinned at <paramref name="path"/>.</summary>
    /// <param name="path">A path on a bpffs.</param>
    /// <param name="access">0, <see cref="MapFlags.ReadOnly"/> or <see cref="MapFlags.WriteOnly"/>.</param>
    /// <exception cref="BpfSyscallException">ENOENT when nothing is pinned there (the hint says so).</exception>
    /// <exception cref="ArgumentException">What is pinned there is a program, link or BTF, not a map.</exception>
    public static Map OpenPinned(string path, MapFlags access = MapFlags.None)
    {
        if ((access & ~(MapFlags.ReadOnly | MapFlags.WriteOnly)) != 0)
            throw new ArgumentException("Only ReadOnly or WriteOnly apply when opening a pinned map.", nameof(access));
        var map = Opened(Bpf.ObjGet(path, (uint)access));
        (map.PinPath, map.PinReused) = (path, true);
        return map;
    }

    /// <summary>Freezes the map: user space can no longer change it (programs still can, unless BPF_F_RDONLY_PROG).</summary>
    public void Freeze()
    {
        using var lease = Handle.Borrow();
        var attr = new Kernel.Abi.MapFdAttr { map_fd = (uint)lease.Fd };
        Bpf.Run(BpfCommand.MAP_FREEZE, ref attr, ToString());
    }

    /// <summary>
    /// libbpf's pin-by-name: reuse a compatible map pinned at <c>{directory}/{name}</c>, or create and pin one.
    /// Without a directory, the bpffs of <see cref="KernelFileSystems.RequireBpfFs"/>.
    /// Two processes racing to create it end up sharing the winner's map.
    /// </summary>
    private static Map CreateOrOpenPinned(MapSpec spec, MapCreateOptions? options)
    {
        if (spec.Name.Length == 0)
            throw new ArgumentException("A map pinned by name needs a name.", nameof(spec));
        // The default root is a bpffs (/sys/fs/bpf), mounted when missing as bpftool does.
        var path = Path.Combine(options?.PinDirectory ?? KernelFileSystems.RequireBpfFs(), spec.Name);
        for (var attempt = 0; ; attempt++)
        {
            if (TryOpenPinned(path) is { } existing)
            {
                MapIncompatibleException.ThrowIfIncompatible(existing, spec, path);
                return existing;
            }
            var map = Create(spec with { Pinning = MapPinning.None }, options);
            try
            {
                map.Pin(path);
                return map;
            }
            catch (BpfSyscallException e) when (e.Errno == Errno.EEXIST && attempt == 0)
            {
                map.Dispose(); // Someone pinned theirs first: share it.
            }
            catch
            {
                map.Dispose();
                throw;
            }
        }
    }

    private static Map? TryOpenPinned(string path)
    {
        try
        {
            return OpenPinned(path);
        }
        catch (BpfSyscallException e) when (e.Errno == Errno.ENOENT)
        {
            return null;
        }
    }
}
