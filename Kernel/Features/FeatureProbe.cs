using ManagedBpf.Kernel.Abi;

namespace ManagedBpf.Kernel;

/// <summary>
/// Answers "does this kernel have X?" by asking it: creating the smallest valid map of a type, loading
/// <c>r0 = 0; exit</c> as a program type, issuing BPF_LINK_CREATE with a bad descriptor. Each answer is
/// cached for the life of the process; a missing privilege is an exception, never a "no": EPERM from a process
/// that lacks a capability the type needs (as kernel/bpf/syscall.c checks them) names that capability.
/// </summary>
public static unsafe class FeatureProbe
{
    private static readonly Dictionary<BpfMapType, bool> MapTypes = [];
    private static readonly Dictionary<BpfProgType, bool> ProgramTypes = [];
    private static readonly object Gate = new(); // a Monitor, so the baseline probe can re-enter
    private static bool? _bpfLink;

    /// <summary>Whether this kernel can create maps of <paramref name="type"/>.</summary>
    /// <exception cref="BpfSyscallException">EPERM: the process lacks a capability the type needs, CAP_BPF or CAP_NET_ADMIN (the hint names it).</exception>
    /// <remarks>The gate is re-entrant: a probe may consult the baseline probe of a plain type.</remarks>
    public static bool HasMapType(BpfMapType type)
    {
        lock (Gate)
        {
            if (!MapTypes.TryGetValue(type, out var known))
                MapTypes[type] = known = ProbeMapType(type);
            return known;
        }
    }

    /// <summary>Whether this kernel can load programs of <paramref name="type"/>.</summary>
    /// <exception cref="BpfSyscallException">EPERM: the process lacks a capability the type needs, CAP_BPF, CAP_PERFMON or CAP_NET_ADMIN (the hint names it).</exception>
    public static bool HasProgramType(BpfProgType type)
    {
        lock (Gate)
        {
            if (!ProgramTypes.TryGetValue(type, out var known))
                ProgramTypes[type] = known = ProbeProgramType(type);
            return known;
        }
    }

    /// <summary>Whether this kernel has bpf_link (BPF_LINK_CREATE, 5.7+).</summary>
    public static bool HasBpfLink
    {
        get
        {
            lock (Gate)
                return _bpfLink ??= ProbeBpfLink();
        }
    }

    /// <summary>Whether the kernel publishes its own BTF (needed for CO-RE, tp_btf, fentry and lsm).</summary>
    public static bool HasKernelBtf => File.Exists("/sys/kernel/btf/vmlinux");

    /// <summary>
    /// The dynamic PMU type of a perf event source such as <c>kprobe</c> or <c>uprobe</c>, or null when
    /// the kernel has no such PMU (this is how "kprobes are not supported by this kernel" shows).
    /// </summary>
    public static int? PmuType(string pmu)
    {
        ArgumentException.ThrowIfNullOrEmpty(pmu);
        var path = Path.Combine("/sys/bus/event_source/devices", pmu, "type");
        try
        {
            return int.Parse(File.ReadAllText(path).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    private static bool ProbeMapType(BpfMapType type)
    {
        try
        {
            return ProbeMapTypeOnce(type);
        }
        catch (BpfSyscallException e) when (e.Errno == Errno.EPERM && RequiredCapabilities.MissingHint(RequiredCapabilities.For(type)) is { } missing)
        {
            // The inner map or the BTF a probe needs first was refused: the same missing capability, said of this type.
            throw Bpf.Error(BpfCommand.MAP_CREATE, e.Errno, $"probe of {type} maps", missing);
        }
    }

    private static bool ProbeMapTypeOnce(BpfMapType type)
    {
        var attr = new MapCreateAttr { map_type = (uint)type, key_size = 4, value_size = 4, max_entries = 1 };
        SafeFdHandle? inner = null;
        SafeFdHandle? btf = null;
        try
        {
            switch (type)
            {
                case BpfMapType.LPM_TRIE:
                    (attr.key_size, attr.value_size, attr.map_flags) = (8, 8, 1 /* BPF_F_NO_PREALLOC */);
                    break;
                case BpfMapType.STACK_TRACE:
                    attr.value_size = 8;
                    break;
                case BpfMapType.QUEUE or BpfMapType.STACK or BpfMapType.BLOOM_FILTER:
                    attr.key_size = 0;
                    break;
                case BpfMapType.RINGBUF or BpfMapType.USER_RINGBUF:
                    (attr.key_size, attr.value_size, attr.max_entries) = (0, 0, (uint)KernelInfo.PageSize);
                    break;
                case BpfMapType.ARENA:
                    (attr.key_size, attr.value_size, attr.map_flags) = (0, 0, 1024 /* BPF_F_MMAPABLE */);
                    break;
                case BpfMapType.CGROUP_STORAGE or BpfMapType.PERCPU_CGROUP_STORAGE:
                    (attr.key_size, attr.value_size, attr.max_entries) = (16 /* bpf_cgroup_storage_key */, 8, 0);
                    break;
                case BpfMapType.ARRAY_OF_MAPS or BpfMapType.HASH_OF_MAPS:
                    var innerAttr = new MapCreateAttr { map_type = (uint)BpfMapType.ARRAY, key_size = 4, value_size = 4, max_entries = 1 };
                    inner = Bpf.MapCreate(ref innerAttr, "probe inner map");
                    attr.inner_map_fd = (uint)inner.Fd;
                    break;
                case BpfMapType.SK_STORAGE or BpfMapType.INODE_STORAGE or BpfMapType.TASK_STORAGE or BpfMapType.CGRP_STORAGE:
                    btf = LoadStorageProbeBtf();
                    (attr.value_size, attr.max_entries, attr.map_flags) = (8, 0, 1 /* BPF_F_NO_PREALLOC */);
                    (attr.btf_fd, attr.btf_key_type_id, attr.btf_value_type_id) = ((uint)btf.Fd, 1, 2);
                    break;
                case BpfMapType.STRUCT_OPS:
                    // Needs a kernel struct_ops type id; asking with id 0 tells "known type, bad attrs" (EINVAL with
                    // the type known) from "unknown type" only by errno, which the kernel does not distinguish. Without
                    // the capability the kernel would refuse it first, so that is the answer then too.
                    if (RequiredCapabilities.MissingHint(RequiredCapabilities.For(type)) is { } lacking)
                        throw Bpf.Error(BpfCommand.MAP_CREATE, Errno.EPERM, $"probe of {type} maps", lacking);
                    return HasKernelBtf && KernelInfo.Release >= new Version(5, 6);
            }
            var fd = Bpf.Syscall(BpfCommand.MAP_CREATE, ref attr, out var errno);
            if (fd >= 0)
            {
                new SafeFdHandle(fd, ownsHandle: true).Dispose();
                return true;
            }
            if (errno == Errno.EPERM && RequiredCapabilities.MissingHint(RequiredCapabilities.For(type)) is { } missing)
                throw Bpf.Error(BpfCommand.MAP_CREATE, errno, $"probe of {type} maps", missing);
            // As for programs: EPERM is a missing privilege only if a plain array is refused too.
            if (errno == Errno.EPERM && (type == BpfMapType.ARRAY || !HasMapType(BpfMapType.ARRAY)))
                throw Bpf.Error(BpfCommand.MAP_CREATE, errno, $"probe of {type} maps", BpfErrorHints.Privileges(BpfCommand.MAP_CREATE));
            return false;
        }
        finally
        {
            inner?.Dispose();
            btf?.Dispose();
        }
    }

    private static bool ProbeProgramType(BpfProgType type)
    {
        // r0 = 0; exit
        ReadOnlySpan<ulong> insns = [0x00000000_000000b7UL, 0x00000000_00000095UL];
        ReadOnlySpan<byte> license = "GPL\0"u8;
        var log = new byte[4096];
        fixed (ulong* pInsns = insns)
        fixed (byte* pLicense = license)
        fixed (byte* pLog = log)
        {
            var attr = new ProgLoadAttr
            {
                prog_type = (uint)type,
                insn_cnt = (uint)insns.Length,
                insns = (ulong)pInsns,
                license = (ulong)pLicense,
                log_level = 1,
                log_size = (uint)log.Length,
                log_buf = (ulong)pLog,
                kern_version = KernelInfo.LinuxVersionCode,
            };
            switch (type)
            {
                case BpfProgType.CGROUP_SOCK_ADDR:
                    attr.expected_attach_type = (uint)BpfAttachType.CGROUP_INET4_CONNECT;
                    break;
                case BpfProgType.CGROUP_SOCKOPT:
                    attr.expected_attach_type = (uint)BpfAttachType.CGROUP_GETSOCKOPT;
                    break;
                case BpfProgType.SK_LOOKUP:
                    attr.expected_attach_type = (uint)BpfAttachType.SK_LOOKUP;
                    break;
                case BpfProgType.LIRC_MODE2:
                    attr.expected_attach_type = (uint)BpfAttachType.LIRC_MODE2;
                    break;
                case BpfProgType.TRACING:
                    (attr.expected_attach_type, attr.attach_btf_id) = ((uint)BpfAttachType.TRACE_FENTRY, 1);
                    break;
                case BpfProgType.LSM:
                    (attr.expected_attach_type, attr.attach_btf_id) = ((uint)BpfAttachType.LSM_MAC, 1);
                    break;
                case BpfProgType.EXT or BpfProgType.STRUCT_OPS:
                    attr.attach_btf_id = 1;
                    break;
                case BpfProgType.NETFILTER:
                    attr.expected_attach_type = (uint)BpfAttachType.NETFILTER;
                    break;
            }
            var fd = Bpf.Syscall(BpfCommand.PROG_LOAD, ref attr, out var errno);
            if (fd >= 0)
            {
                new SafeFdHandle(fd, ownsHandle: true).Dispose();
                return true;
            }
            // EPERM is a missing privilege only if the plainest program type is refused too: some kernels
            // answer EPERM for a type they cannot run (tracing without trampolines, for one).
            if (errno == Errno.EPERM)
            {
                if (RequiredCapabilities.MissingHint(RequiredCapabilities.For(type)) is { } missing)
                    throw Bpf.Error(BpfCommand.PROG_LOAD, errno, $"probe of {type} programs", missing);
                if (type == BpfProgType.SOCKET_FILTER || !HasProgramType(BpfProgType.SOCKET_FILTER))
                    throw Bpf.Error(BpfCommand.PROG_LOAD, errno, $"probe of {type} programs", BpfErrorHints.Privileges(BpfCommand.PROG_LOAD));
                return false;
            }
            // An unknown type fails before the verifier runs; a known one that needs more than the probe
            // gives (an attach target, say) reaches the verifier, which logs why it refused.
            return log[0] != 0;
        }
    }

    private static bool ProbeBpfLink()
    {
        // prog_fd = -1: a kernel that knows the command answers EBADF; one that does not answers EINVAL.
        var attr = new LinkCreateAttr { prog_fd = uint.MaxValue, target_fd = uint.MaxValue };
        var fd = Bpf.Syscall(BpfCommand.LINK_CREATE, ref attr, out var errno);
        if (fd >= 0)
            new SafeFdHandle(fd, ownsHandle: true).Dispose();
        if (errno == Errno.EPERM && !HasMapType(BpfMapType.ARRAY))
            throw Bpf.Error(BpfCommand.LINK_CREATE, errno, "probe of bpf_link", BpfErrorHints.Privileges(BpfCommand.LINK_CREATE));
        return errno == Errno.EBADF;
    }

    /// <summary>Loads the BTF for a local-storage probe: [1] int, [2] struct val { int a; int b; }.</summary>
    private static SafeFdHandle LoadStorageProbeBtf()
    {
        ReadOnlySpan<uint> types =
        [
            1, 1u << 24, 4, (1u << 24) | 32,          // [1] INT "int" size 4, signed, 32 bits
            5, (4u << 24) | 2, 8, 9, 1, 0, 11, 1, 32, // [2] STRUCT "val" size 8 { "a": int @0, "b": int @32 }
        ];
        ReadOnlySpan<byte> strings = "\0int\0val\0a\0b\0"u8;
        var typeBytes = types.Length * sizeof(uint);
        var blob = new byte[24 + typeBytes + strings.Length];
        fixed (byte* p = blob)
        {
            // struct btf_header { u16 magic; u8 version; u8 flags; u32 hdr_len; u32 type_off, type_len, str_off, str_len; }
            *(ushort*)p = 0xeB9F;
            p[2] = 1;
            *(uint*)(p + 4) = 24;
            *(uint*)(p + 8) = 0;
            *(uint*)(p + 12) = (uint)typeBytes;
            *(uint*)(p + 16) = (uint)typeBytes;
            *(uint*)(p + 20) = (uint)strings.Length;
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(types).CopyTo(blob.AsSpan(24));
            strings.CopyTo(blob.AsSpan(24 + typeBytes));
            var attr = new BtfLoadAttr { btf = (ulong)p, btf_size = (uint)blob.Length };
            return Bpf.CreateFd(BpfCommand.BTF_LOAD, ref attr, "probe BTF");
        }
    }
}
