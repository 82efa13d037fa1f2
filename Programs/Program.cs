using System.Runtime.InteropServices;
using ManagedBpf.Kernel;
using ManagedBpf.Kernel.Abi;

namespace ManagedBpf.Programs;

/// <summary>
/// A loaded BPF program the process holds a descriptor to. Disposing closes the descriptor; the kernel
/// unloads the program when no descriptor, pin or link refers to it.
/// </summary>
public sealed partial class Program : IDisposable
{
    private ProgramInfo? _info;

    private Program(SafeFdHandle handle, string name, BpfProgType type, BpfAttachType expectedAttachType, string sectionName)
    {
        Handle = handle;
        Name = name;
        Type = type;
        ExpectedAttachType = expectedAttachType;
        SectionName = sectionName;
    }

    /// <summary>The program's descriptor.</summary>
    public SafeFdHandle Handle { get; }

    /// <summary>The program's name.</summary>
    public string Name { get; }

    /// <summary>The program type.</summary>
    public BpfProgType Type { get; }

    /// <summary>The attach type it was verified for.</summary>
    public BpfAttachType ExpectedAttachType { get; }

    /// <summary>The ELF section it came from, or empty.</summary>
    public string SectionName { get; }

    /// <summary>The kernel's id for this program.</summary>
    public uint Id => GetInfo().Id;

    /// <summary>The kernel's tag for this program (hex), as bpftool shows it.</summary>
    public string Tag => GetInfo().Tag;

    /// <summary>
    /// Loads a program. A rejected program is loaded again with the verifier log on, in a buffer that
    /// grows while the kernel says it is too small, so the exception carries the whole log.
    /// </summary>
    /// <exception cref="BpfVerifierException">The verifier refused the program.</exception>
    /// <exception cref="BpfSyscallException">Any other failure; EPERM names the capabilities.</exception>
    /// <exception cref="BpfAttachNotSupportedException">An fentry, fexit, fmod_ret, lsm or freplace program on a kernel without BPF trampolines.</exception>
    public static Program Load(ProgramSpec spec, ProgramLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        options ??= new ProgramLoadOptions();
        if (spec.Instructions.Length == 0)
            throw new ArgumentException($"Program '{spec.Name}' has no instructions.", nameof(spec));
        var subject = $"program '{spec.Name}' ({spec.Type})";

        byte[]? log = options.LogLevel > 0 ? new byte[options.InitialLogSize] : null;
        var fd = TryLoad(spec, options, log, options.LogLevel, out var errno);
        if (fd >= 0)
            return new Program(new SafeFdHandle(fd, ownsHandle: true), spec.Name, spec.Type, spec.ExpectedAttachType, spec.SectionName);
        if (errno is Errno.EPERM or Errno.E2BIG or Errno.ENOMEM or Errno.EFAULT)
            throw (Exception?)TrampolineError(spec, errno, subject) ?? Bpf.Error(BpfCommand.PROG_LOAD, errno, subject);

        // Rejected: load again with the log on, growing the buffer until the whole log fits.
        var size = Math.Max(options.InitialLogSize, 4096);
        while (true)
        {
            log = new byte[size];
            fd = TryLoad(spec, options, log, Math.Max(options.LogLevel, 1), out errno);
            if (fd >= 0)
                return new Program(new SafeFdHandle(fd, ownsHandle: true), spec.Name, spec.Type, spec.ExpectedAttachType, spec.SectionName);
            var full = errno == Errno.ENOSPC;
            if (!full || size >= options.MaxLogSize)
            {
                var end = Array.IndexOf(log, (byte)0);
                throw new BpfVerifierException(errno, subject, System.Text.Encoding.UTF8.GetString(log, 0, end < 0 ? log.Length : end), truncated: full);
            }
            size = (int)Math.Min((long)size * 4, options.MaxLogSize);
        }
    }

    /// <summary>Takes ownership of a program descriptor.</summary>
    /// <exception cref="ArgumentException">The descriptor is another BPF object (a map, link or BTF).</exception>
    /// <exception cref="BpfSyscallException">The descriptor is not a BPF object at all.</exception>
    public static Program FromFd(SafeFdHandle fd)
    {
        ArgumentNullException.ThrowIfNull(fd);
        // BPF_OBJ_GET_INFO_BY_FD fills a map's or link's info into the program struct without complaint.
        var kind = DescriptorKind.Of(fd);
        if (DescriptorKind.IsBpfObject(kind) && !DescriptorKind.IsProgram(kind))
            throw new ArgumentException($"The descriptor is {kind}, not a BPF program.", nameof(fd));
        var info = ReadInfo(fd, null);
        return new Program(fd, info.Name, info.Type, default, "") { _info = info };
    }

    /// <summary>Opens the program with kernel id <paramref name="id"/>.</summary>
    public static Program FromId(uint id) => Opened(Bpf.GetFdById(BpfCommand.PROG_GET_FD_BY_ID, id));

    /// <summary>Opens the program pinned at <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">What is pinned there is a map, link or BTF, not a program.</exception>
    public static Program OpenPinned(string path) => Opened(Bpf.ObjGet(path, 0));

    /// <summary>Pins the program at <paramref name="path"/> on a bpffs.</summary>
    public void Pin(string path) => Bpf.ObjPin(Handle, path);

    /// <summary>Reads what the kernel reports about the program (cached).</summary>
    public ProgramInfo GetInfo() => _info ??= ReadInfo(Handle, Name);

    /// <summary>Closes the descriptor.</summary>
    public void Dispose() => Handle.Dispose();

    /// <inheritdoc/>
    public override string ToString() => $"program '{Name}' ({Type})";

    /// <summary><see cref="FromFd"/> on a descriptor opened here, closing it when it is refused.</summary>
    private static Program Opened(SafeFdHandle fd)
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

    private static unsafe int TryLoad(ProgramSpec spec, ProgramLoadOptions options, byte[]? log, uint logLevel, out Errno errno)
    {
        var license = Bpf.NulTerminated(spec.License);
        var btf = options.Btf;
        var withBtfInfo = btf is not null && (spec.FuncInfo.Length > 0 || spec.LineInfo.Length > 0);
        fixed (BpfInstruction* insns = spec.Instructions)
        fixed (byte* pLicense = license)
        fixed (byte* pLog = log)
        fixed (byte* funcInfo = spec.FuncInfo.Span)
        fixed (byte* lineInfo = spec.LineInfo.Span)
        {
            var attr = new ProgLoadAttr
            {
                prog_type = (uint)spec.Type,
                insn_cnt = (uint)spec.Instructions.Length,
                insns = (ulong)insns,
                license = (ulong)pLicense,
                kern_version = spec.KernelVersion != 0 ? spec.KernelVersion : KernelInfo.LinuxVersionCode,
                prog_flags = (uint)spec.Flags,
                expected_attach_type = (uint)spec.ExpectedAttachType,
                attach_btf_id = spec.AttachBtfId,
            };
            BpfObjectName.Write(spec.Name, new Span<byte>(attr.prog_name, BpfObjectName.Capacity));
            if (log is not null)
                (attr.log_level, attr.log_size, attr.log_buf) = (logLevel, (uint)log.Length, (ulong)pLog);
            // Keep the BTF descriptor from being closed and reused while the kernel reads its number.
            using var btfLease = withBtfInfo ? btf!.Borrow() : default;
            if (withBtfInfo)
            {
                attr.prog_btf_fd = (uint)btfLease.Fd;
                if (spec.FuncInfo.Length > 0)
                    (attr.func_info, attr.func_info_rec_size, attr.func_info_cnt) = ((ulong)funcInfo, spec.FuncInfoRecordSize, (uint)(spec.FuncInfo.Length / (int)spec.FuncInfoRecordSize));
                if (spec.LineInfo.Length > 0)
                    (attr.line_info, attr.line_info_rec_size, attr.line_info_cnt) = ((ulong)lineInfo, spec.LineInfoRecordSize, (uint)(spec.LineInfo.Length / (int)spec.LineInfoRecordSize));
            }
            // libbpf retries EAGAIN a few times: the kernel returns it when a signal interrupts verification.
            for (var attempt = 0; ; attempt++)
            {
                var fd = Bpf.Syscall(BpfCommand.PROG_LOAD, ref attr, out errno);
                if (fd >= 0 || errno != Errno.EAGAIN || attempt == 4)
                    return fd;
            }
        }
    }

    /// <summary>
    /// A kernel without BPF trampolines refuses fentry, fexit, fmod_ret, lsm and freplace programs at load time
    /// with EPERM, which reads like a missing privilege: say what is really missing.
    /// </summary>
    private static BpfAttachNotSupportedException? TrampolineError(ProgramSpec spec, Errno errno, string subject)
    {
        var needsTrampoline = spec.Type is BpfProgType.LSM or BpfProgType.EXT
            || (spec.Type == BpfProgType.TRACING && spec.ExpectedAttachType is BpfAttachType.TRACE_FENTRY or BpfAttachType.TRACE_FEXIT or BpfAttachType.MODIFY_RETURN);
        if (errno != Errno.EPERM || !needsTrampoline || FeatureProbe.HasProgramType(BpfProgType.TRACING))
            return null;
        var kind = TracingKind(spec.Type, spec.ExpectedAttachType);
        return new BpfAttachNotSupportedException(kind, AttachSupport.NoTrampolines, Bpf.Error(BpfCommand.PROG_LOAD, errno, subject));
    }

    private static unsafe ProgramInfo ReadInfo(SafeFdHandle fd, string? name)
    {
        var subject = name is null ? "program" : $"program '{name}'";
        var info = default(BpfProgInfo);
        Bpf.GetInfo(fd, ref info, subject);
        var mapIds = new uint[info.nr_map_ids];
        if (mapIds.Length > 0)
        {
            fixed (uint* ids = mapIds)
            {
                // A second call with room for the map ids (nr_map_ids says how many there are).
                var again = new BpfProgInfo { nr_map_ids = (uint)mapIds.Length, map_ids = (ulong)ids };
                Bpf.GetInfo(fd, ref again, subject);
            }
        }
        return new ProgramInfo(
            (BpfProgType)info.type,
            info.id,
            Convert.ToHexStringLower(new ReadOnlySpan<byte>(info.tag, 8)),
            BpfObjectName.Read(new ReadOnlySpan<byte>(info.name, BpfObjectName.Capacity)),
            info.jited_prog_len,
            info.xlated_prog_len,
            mapIds);
    }
}
