namespace ManagedBpf.Programs;

/// <summary>
/// Attaches programs according to their section names, as a libbpf skeleton's <c>__attach</c> does
/// (<c>bpf_program__attach</c> through each section's <c>attach_fn</c>). Sections that name their target
/// attach (<c>tp/…</c>, <c>raw_tp/…</c>, <c>tp_btf/…</c>, <c>fentry/…</c>, <c>lsm/…</c>, <c>iter/…</c>,
/// <c>kprobe/…</c>, <c>ksyscall/…</c>, <c>uprobe/…:…</c>, <c>usdt/…:…:…</c>); the rest are skipped with the reason, which says
/// what to call instead (bare <c>uprobe</c> and <c>usdt</c>, <c>xdp</c>, <c>tc</c>, <c>socket</c>, cgroup programs, <c>perf_event</c>).
/// </summary>
public static class AutoAttach
{
    /// <summary>Attaches one program, or says why not.</summary>
    /// <exception cref="FormatException">A section's target is malformed (libbpf: -EINVAL).</exception>
    /// <exception cref="BpfAttachNotSupportedException">The kernel cannot attach a program's kind (kprobes without CONFIG_KPROBES, fentry without trampolines).</exception>
    /// <exception cref="NotSupportedException">A kind ManagedBpf does not attach yet (multi-probes, fsession, tracing multi-links).</exception>
    /// <exception cref="ArgumentException">A section names a tracepoint, raw tracepoint or symbol that the kernel or binary does not have.</exception>
    /// <exception cref="InvalidOperationException">A <c>uprobe/…</c> or <c>usdt/…</c> section, and <paramref name="options"/> lacks the Loader's lookup it needs.</exception>
    /// <exception cref="KeyNotFoundException">A <c>uprobe/…</c> or <c>usdt/…</c> section names a function or probe its binary does not have.</exception>
    /// <exception cref="FileNotFoundException">A <c>uprobe/…</c> or <c>usdt/…</c> section names a binary that cannot be found.</exception>
    /// <exception cref="DirectoryNotFoundException">A tracepoint needs tracefs, which is not mounted and could not be mounted.</exception>
    /// <exception cref="UnauthorizedAccessException">A tracepoint's id in tracefs cannot be read (root's alone unless granted; the message says how).</exception>
    /// <exception cref="ManagedBpf.Kernel.BpfSyscallException">An attach call failed; the message has the errno and a hint.</exception>
    public static AutoAttachResult Attach(AutoAttachRequest request, AutoAttachOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (program, kind, target) = request;
        return kind switch
        {
            null => Skip(program, $"its section '{program.SectionName}' is not one libbpf knows"),
            "tracepoint" or "tp" or "tracepoint.s" or "tp.s" => target is null
                ? Skip(program, $"section '{kind}' names no tracepoint: call AttachTracepoint(category, name)")
                : Attached(program, TracepointLink(program, target)),
            "raw_tracepoint" or "raw_tp" or "raw_tracepoint.s" or "raw_tp.s" or "raw_tracepoint.w" or "raw_tp.w" => target is null
                ? Skip(program, $"section '{kind}' names no raw tracepoint: call AttachRawTracepoint(name)")
                : Attached(program, program.AttachRawTracepoint(target)),
            "tp_btf" or "tp_btf.s" or "fentry" or "fexit" or "fmod_ret" or "fentry.s" or "fexit.s" or "fmod_ret.s" or "freplace" or "lsm" or "lsm.s" =>
                Attached(program, program.AttachTracing()),
            "iter" or "iter.s" => Attached(program, program.AttachIterator()),
            "kprobe" or "kretprobe" => target is null
                ? Skip(program, $"section '{kind}' names no function: call AttachKprobe(function)")
                : Attached(program, KprobeLink(program, target, kind == "kretprobe")),
            "ksyscall" or "kretsyscall" => target is null
                ? Skip(program, $"section '{kind}' names no system call: call AttachKsyscall(name)")
                : Attached(program, program.AttachKsyscall(target, retprobe: kind == "kretsyscall")),
            "uprobe" or "uretprobe" or "uprobe.s" or "uretprobe.s" => target is null
                ? Skip(program, $"section '{kind}' names no binary and function: call AttachUprobe(binary, offset)")
                : Attached(program, UprobeLink(program, target, kind.StartsWith("uretprobe", StringComparison.Ordinal), options)),
            "usdt" or "usdt.s" => target is null
                ? Skip(program, $"section '{kind}' names no binary and probe: call the Loader's Collection.AttachUsdt(program, binary, provider, name)")
                : Attached(program, UsdtLink(program, target, options)),
            "kprobe.multi" or "kretprobe.multi" or "kprobe.session" or "uprobe.multi" or "uretprobe.multi"
                or "uprobe.multi.s" or "uretprobe.multi.s" or "uprobe.session" or "uprobe.session.s"
                or "fsession" or "fsession.s" or "fsession.multi" or "fsession.multi.s"
                or "fentry.multi" or "fexit.multi" or "fentry.multi.s" or "fexit.multi.s" => target is null
                ? Skip(program, $"section '{kind}' names no target")
                : throw new NotSupportedException($"{program}: ManagedBpf does not attach '{kind}' programs yet (section '{program.SectionName}')."),
            _ => Skip(program, NoTargetReason(kind)),
        };
    }

    /// <summary>
    /// Attaches every program in turn. If one fails, the links made so far are disposed and the exception
    /// propagates, as a skeleton's attach fails as a whole.
    /// </summary>
    /// <exception cref="FormatException">A section's target is malformed (libbpf: -EINVAL).</exception>
    /// <exception cref="BpfAttachNotSupportedException">The kernel cannot attach a program's kind (kprobes without CONFIG_KPROBES, fentry without trampolines).</exception>
    /// <exception cref="NotSupportedException">A kind ManagedBpf does not attach yet (multi-probes, fsession, tracing multi-links).</exception>
    /// <exception cref="ArgumentException">A section names a tracepoint, raw tracepoint or symbol that the kernel or binary does not have.</exception>
    /// <exception cref="InvalidOperationException">A <c>uprobe/…</c> or <c>usdt/…</c> section, and <paramref name="options"/> lacks the Loader's lookup it needs.</exception>
    /// <exception cref="KeyNotFoundException">A <c>uprobe/…</c> or <c>usdt/…</c> section names a function or probe its binary does not have.</exception>
    /// <exception cref="FileNotFoundException">A <c>uprobe/…</c> or <c>usdt/…</c> section names a binary that cannot be found.</exception>
    /// <exception cref="DirectoryNotFoundException">A tracepoint needs tracefs, which is not mounted and could not be mounted.</exception>
    /// <exception cref="UnauthorizedAccessException">A tracepoint's id in tracefs cannot be read (root's alone unless granted; the message says how).</exception>
    /// <exception cref="ManagedBpf.Kernel.BpfSyscallException">An attach call failed; the message has the errno and a hint.</exception>
    public static AutoAttachment AttachAll(IEnumerable<AutoAttachRequest> requests, AutoAttachOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var results = new List<AutoAttachResult>();
        try
        {
            foreach (var request in requests)
                results.Add(Attach(request, options));
            return new AutoAttachment(results);
        }
        catch
        {
            LinkGroup.DisposeAll([.. results.Select(r => r.Link).OfType<Link>()]);
            throw;
        }
    }

    /// <summary>Why a program of <paramref name="kind"/> has nothing to attach to until the caller names it.</summary>
    internal static string NoTargetReason(string kind) => kind switch
    {
        "socket" => "socket filters attach to a socket the caller owns: call AttachSocketFilter(socket)",
        _ when kind.StartsWith("xdp", StringComparison.Ordinal) => "XDP programs attach to an interface: call AttachXdp(interface)",
        "tc" or "classifier" or "action" or "tc/ingress" or "tc/egress" or "tcx/ingress" or "tcx/egress" =>
            "tc programs attach to an interface: call AttachTcx(interface, direction)",
        _ when kind.StartsWith("cgroup", StringComparison.Ordinal) || kind is "sockops" =>
            "cgroup programs attach to a cgroup: call AttachCgroup(path)",
        "perf_event" => "perf_event programs attach to perf counters: call AttachPerfEvent(options)",
        "syscall" => "syscall programs are run with TestRun, not attached",
        _ when kind.StartsWith("struct_ops", StringComparison.Ordinal) => "struct_ops programs are registered through their struct_ops map",
        _ => $"libbpf does not auto-attach '{kind}' programs",
    };

    private static AutoAttachResult Attached(Program program, Link link) => new(program, link, null);

    private static AutoAttachResult Skip(Program program, string reason) => new(program, null, reason);

    private static PerfEventLink TracepointLink(Program program, string target)
    {
        var (category, name) = SectionTarget.Tracepoint(target);
        return program.AttachTracepoint(category, name);
    }

    private static PerfEventLink KprobeLink(Program program, string target, bool retprobe)
    {
        var (function, offset) = SectionTarget.Kprobe(target, retprobe);
        return program.AttachKprobe(function, new KprobeOptions { Offset = offset, Retprobe = retprobe });
    }

    private static Link UsdtLink(Program program, string target, AutoAttachOptions? options)
    {
        var (binary, provider, name) = SectionTarget.Usdt(target);
        var attach = options?.AttachUsdt ?? throw new InvalidOperationException(
            $"{program}: section '{program.SectionName}' names the USDT probe {provider}:{name}, and attaching it needs the object's usdt.bpf.h maps and " +
            "the ELF reader: pass AutoAttachOptions.AttachUsdt (the Loader's Collection does), or call Collection.AttachUsdt.");
        return attach(program, binary, provider, name);
    }

    private static PerfEventLink UprobeLink(Program program, string target, bool retprobe, AutoAttachOptions? options)
    {
        var (binary, function, offset) = SectionTarget.Uprobe(target);
        var resolve = options?.ResolveFunctionOffset ?? throw new InvalidOperationException(
            $"{program}: section '{program.SectionName}' names the function '{function}', and finding its offset needs an ELF symbol lookup: " +
            "pass AutoAttachOptions.ResolveFunctionOffset (the Loader's ElfSymbolOffsets), or call AttachUprobe(binary, offset).");
        var path = UprobeBinary.ResolvePath(binary);
        return program.AttachUprobe(path, resolve(path, function) + offset, new UprobeOptions { Retprobe = retprobe });
    }
}
