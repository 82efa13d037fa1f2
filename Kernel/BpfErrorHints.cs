using System.Globalization;

namespace ManagedBpf.Kernel;

/// <summary>
/// What an errno means for a particular call, in words a person can act on. Kept apart from the calls so
/// the wording is unit-tested without a kernel.
/// </summary>
public static class BpfErrorHints
{
    /// <summary>The hint for EPERM from any bpf(2) command or perf_event_open.</summary>
    public static string Privileges(BpfCommand? command)
    {
        var needs = command switch
        {
            BpfCommand.PROG_LOAD => "CAP_BPF (plus CAP_PERFMON for tracing programs, CAP_NET_ADMIN for networking programs)",
            null => "CAP_PERFMON (or CAP_SYS_ADMIN) for perf events",
            _ => "CAP_BPF (CAP_SYS_ADMIN on kernels before 5.8)",
        };
        var hint = $"This needs {needs}, or root.";
        var unprivileged = KernelInfo.UnprivilegedBpfDisabled;
        if (unprivileged is > 0)
            hint += $" Unprivileged BPF is disabled here (kernel.unprivileged_bpf_disabled={unprivileged.Value.ToString(CultureInfo.InvariantCulture)}).";
        if (KernelInfo.Release is { } release && release < new Version(5, 11))
            hint += " Kernels before 5.11 also charge BPF memory to RLIMIT_MEMLOCK: raise it (ulimit -l unlimited).";
        return hint;
    }

    /// <summary>The hint for a failed BPF_MAP_CREATE, from the attributes that were passed.</summary>
    public static string? ForMapCreate(Errno errno, BpfMapType type, uint keySize, uint valueSize, uint maxEntries, bool btfKeyValue = false) => errno switch
    {
        Errno.EPERM => Privileges(BpfCommand.MAP_CREATE),
        Errno.EINVAL => MapRule(type, keySize, valueSize, maxEntries)
            ?? $"The kernel rejected the attributes of this {type} map (key_size={keySize}, value_size={valueSize}, max_entries={maxEntries}, flags, or a type this kernel does not know).",
        Errno.E2BIG => "The key or value is too large for this map type, or the attributes carry fields this kernel does not know.",
        Errno.ENOMEM => "The kernel could not allocate the map: lower max_entries or value_size (or, before 5.11, raise RLIMIT_MEMLOCK).",
        // ENOTSUPP (524) is what a map type that takes no BTF key/value types answers when given them (CGROUP_ARRAY, for one).
        Errno.ENOTSUPP or Errno.EOPNOTSUPP when btfKeyValue =>
            $"This {type} map was given BTF key/value types, which this kernel refuses for its type: create it without them (libbpf never passes them for such types), or the kernel lacks the map type or a flag.",
        Errno.ENOTSUPP or Errno.EOPNOTSUPP => $"This kernel does not support {type} maps with these attributes (the map type itself, or one of its flags).",
        _ => null,
    };

    /// <summary>The size rule a map type imposes, or null when the attributes satisfy every known rule.</summary>
    public static string? MapRule(BpfMapType type, uint keySize, uint valueSize, uint maxEntries)
    {
        switch (type)
        {
            case BpfMapType.RINGBUF or BpfMapType.USER_RINGBUF:
                if (keySize != 0 || valueSize != 0)
                    return $"{type} maps take key_size 0 and value_size 0 (got {keySize} and {valueSize}).";
                return RingBufferSizeRule(maxEntries);
            case BpfMapType.PERF_EVENT_ARRAY:
                return keySize == 4 && valueSize == 4 ? null : $"PERF_EVENT_ARRAY maps take 4-byte keys and values (got {keySize} and {valueSize}).";
            case BpfMapType.ARRAY or BpfMapType.PERCPU_ARRAY or BpfMapType.PROG_ARRAY or BpfMapType.ARRAY_OF_MAPS or BpfMapType.CGROUP_ARRAY:
                return keySize == 4 ? null : $"{type} maps take a 4-byte key (the index), got {keySize}.";
            case BpfMapType.QUEUE or BpfMapType.STACK or BpfMapType.BLOOM_FILTER:
                return keySize == 0 ? null : $"{type} maps take key_size 0 (got {keySize}).";
            case BpfMapType.LPM_TRIE:
                return "LPM_TRIE maps need map_flags BPF_F_NO_PREALLOC and a key of 4 bytes of prefix length plus the data.";
        }
        if (maxEntries == 0)
            return $"{type} maps need max_entries > 0.";
        return null;
    }

    /// <summary>
    /// The ring buffer size rule (<c>max_entries</c> is the data size in bytes: a power of two and a multiple
    /// of the page size), or null when <paramref name="size"/> satisfies it.
    /// </summary>
    public static string? RingBufferSizeRule(ulong size)
    {
        var page = (ulong)KernelInfo.PageSize;
        if (size != 0 && (size & (size - 1)) == 0 && size % page == 0)
            return null;
        return $"A ring buffer's max_entries is its data size in bytes and must be a power of two and a multiple of the page size ({page}); got {size}.";
    }

    /// <summary>The hint for a failed element operation (lookup, update, delete, next key, batch).</summary>
    public static string? ForElement(BpfCommand command, Errno errno, ulong flags) => errno switch
    {
        // Holding the descriptor already passed the capability check: EPERM here is about access.
        Errno.EPERM => "This descriptor does not allow the access (the map is frozen, or was opened read-only or write-only), or " + Privileges(command),
        Errno.E2BIG when command is BpfCommand.MAP_UPDATE_ELEM or BpfCommand.MAP_UPDATE_BATCH =>
            "The map is full (max_entries reached), or the index is past max_entries for an array map.",
        Errno.EEXIST when (flags & 1) != 0 => "The key already exists and BPF_NOEXIST was given.",
        Errno.ENOENT when command is BpfCommand.MAP_UPDATE_ELEM && (flags & 2) != 0 => "The key does not exist and BPF_EXIST was given.",
        Errno.ENOENT => "No such key.",
        Errno.EINVAL when command is BpfCommand.MAP_UPDATE_ELEM or BpfCommand.MAP_LOOKUP_ELEM =>
            "The kernel rejected the flags, or this map type does not support the operation from user space.",
        Errno.ENOTSUPP or Errno.EOPNOTSUPP => "This map type does not support the operation.",
        Errno.EBUSY => "The element is in use; retry.",
        _ => null,
    };

    /// <summary>
    /// The hint for a failed BPF_OBJ_PIN or BPF_OBJ_GET at <paramref name="path"/>. A path off bpffs is the cause
    /// whatever the errno (the kernel answers it with EPERM or EACCES even for root), so that is all it says;
    /// only on a bpffs does EPERM mean a missing capability.
    /// </summary>
    public static string? ForPath(BpfCommand command, Errno errno, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!KernelFileSystems.IsOnBpfFs(path))
            return $"{path} is not on a bpf filesystem, and a pin must be on a bpf filesystem: use a path under one (such as {KernelFileSystems.DefaultBpfFsPath}; mount one with mount -t bpf bpf DIR).";
        return (command, errno) switch
        {
            (BpfCommand.OBJ_PIN, Errno.ENOENT) => $"The directory {Path.GetDirectoryName(path)} does not exist: create it on the bpf filesystem first (mkdir -p).",
            (_, Errno.EACCES) => "The pin's owner and mode do not allow this access (a pin is a file: see ls -l).",
            _ => ForCommand(command, errno),
        };
    }

    /// <summary>The hint for any other command.</summary>
    public static string? ForCommand(BpfCommand command, Errno errno) => (command, errno) switch
    {
        (BpfCommand.MAP_FREEZE, Errno.EPERM) => "The map is already frozen, or this descriptor is read-only.",
        (_, Errno.EPERM) => Privileges(command),
        (BpfCommand.OBJ_GET, Errno.ENOENT) => "Nothing is pinned at that path.",
        (BpfCommand.MAP_GET_FD_BY_ID or BpfCommand.PROG_GET_FD_BY_ID or BpfCommand.LINK_GET_FD_BY_ID or BpfCommand.BTF_GET_FD_BY_ID, Errno.ENOENT) =>
            "No object has that id (it may have been freed).",
        (BpfCommand.OBJ_PIN, Errno.EEXIST) => "Something is already pinned at that path.",
        (BpfCommand.MAP_FREEZE, Errno.EBUSY) => "The map is mapped writable into user space.",
        (BpfCommand.PROG_LOAD, Errno.ENOSPC) => "The verifier log did not fit in the buffer.",
        (BpfCommand.PROG_LOAD, Errno.EACCES or Errno.EINVAL) => "The verifier rejected the program; see the verifier log.",
        (BpfCommand.PROG_LOAD, Errno.E2BIG) => "The program is too large (over 1 million instructions, or 4096 for unprivileged users).",
        (_, Errno.ENOTSUPP or Errno.EOPNOTSUPP) => "This kernel does not support the operation.",
        (_, Errno.EINVAL) when !Enum.IsDefined(command) => "This kernel does not know the command.",
        _ => null,
    };
}
