using ManagedBpf.Kernel;

namespace ManagedBpf.Programs;

public sealed partial class Program
{
    /// <summary>
    /// Attaches a KPROBE program to a user-space instruction through the uprobe PMU (libbpf's
    /// <c>bpf_program__attach_uprobe_opts</c>): <c>perf_event_attr.type</c> is the PMU's type from sysfs,
    /// <c>config1</c> points at the binary's path, <c>config2</c> is <paramref name="fileOffset"/>, and the
    /// retprobe bit and reference counter offset go where the PMU's format says.
    /// </summary>
    /// <param name="binaryPath">An executable or shared library; a bare name is looked up as libbpf does (see <see cref="UprobeBinary.ResolvePath"/>).</param>
    /// <param name="fileOffset">The probed instruction's offset in the file. For a function, the ELF reader's symbol lookup gives it (the Loader's <c>ElfSymbolOffsets</c>).</param>
    /// <param name="options">Retprobe, process and cookie.</param>
    /// <exception cref="BpfAttachNotSupportedException">This kernel has no uprobe PMU.</exception>
    /// <exception cref="FileNotFoundException">The binary cannot be found.</exception>
    /// <exception cref="BpfSyscallException">perf_event_open or the attachment failed.</exception>
    public unsafe PerfEventLink AttachUprobe(string binaryPath, ulong fileOffset, UprobeOptions? options = null)
    {
        options ??= new UprobeOptions();
        var path = UprobeBinary.ResolvePath(binaryPath);
        var mechanism = AttachSupport.Require(options.Retprobe ? AttachKind.Uretprobe : AttachKind.Uprobe);
        var description = $"{this} on {(options.Retprobe ? "uretprobe" : "uprobe")} {path}+0x{fileOffset:x}" + (options.ProcessId >= 0 ? $" in pid {options.ProcessId}" : "");
        fixed (byte* name = Bpf.NulTerminated(path))
        {
            var attr = ProbePmu.Attr("uprobe", name, fileOffset, options.Retprobe, options.RefCounterOffset);
            // Every process: pid -1 on cpu 0 (probes fire on every CPU regardless). One process: that pid on any CPU.
            var pid = options.ProcessId < 0 ? -1 : options.ProcessId;
            var cpu = options.ProcessId < 0 ? 0 : -1;
            return PerfEventAttach.Attach(this, mechanism, ref attr, pid, cpu, options.Cookie, description);
        }
    }
}
