using ManagedBpf.Loader.Elf;
using ManagedBpf.Programs;

namespace ManagedBpf.Loader;

public sealed partial class Collection
{
    /// <summary>
    /// Attaches every loaded program as its section name says, as a libbpf skeleton's attach does:
    /// tracepoints, raw tracepoints, tp_btf, uprobes by binary and symbol, USDT probes (see <see cref="AttachUsdt"/>), iterators… Programs whose
    /// section names no target are skipped, each with the reason. All or nothing: if one attachment
    /// fails, those already made are undone and the exception propagates.
    /// </summary>
    /// <exception cref="FormatException">A section's target is malformed (libbpf: -EINVAL).</exception>
    /// <exception cref="BpfAttachNotSupportedException">The kernel cannot attach a program's kind (kprobes without CONFIG_KPROBES, fentry without trampolines).</exception>
    /// <exception cref="NotSupportedException">A kind ManagedBpf does not attach yet (multi-probes).</exception>
    /// <exception cref="ArgumentException">A section names a tracepoint, raw tracepoint or symbol that the kernel or binary does not have.</exception>
    /// <exception cref="KeyNotFoundException">A <c>uprobe/…</c> or <c>usdt/…</c> section names a function or probe its binary does not have.</exception>
    /// <exception cref="FileNotFoundException">A <c>uprobe/…</c> or <c>usdt/…</c> section names a binary that cannot be found.</exception>
    /// <exception cref="BpfObjectFormatException">A <c>usdt/…</c> section's binary or its notes are malformed, or the object's <c>usdt.bpf.h</c> types are.</exception>
    /// <exception cref="DirectoryNotFoundException">A tracepoint needs tracefs, which is not mounted and could not be mounted.</exception>
    /// <exception cref="UnauthorizedAccessException">A tracepoint's id in tracefs cannot be read (root's alone unless granted; the message says how).</exception>
    /// <exception cref="ManagedBpf.Kernel.BpfSyscallException">An attach call failed; the message has the errno and a hint.</exception>
    public AutoAttachment AttachAll() => Attach(Spec.Programs.Where(p => _programs.ContainsKey(p.Name)));

    /// <summary>
    /// Attaches the named programs as their section names say (see <see cref="AttachAll"/>), all or nothing.
    /// A named program whose section names no target is an error, not a skip: the caller asked for it.
    /// </summary>
    /// <param name="programNames">Names of loaded programs.</param>
    /// <returns>The links, to dispose to detach.</returns>
    /// <exception cref="KeyNotFoundException">A name is not a loaded program (the message lists them), or a <c>uprobe/…</c> or <c>usdt/…</c> section names a function or probe its binary does not have.</exception>
    /// <exception cref="InvalidOperationException">A named program's section names nothing to attach to (the message says what to call instead).</exception>
    /// <exception cref="FormatException">A section's target is malformed (libbpf: -EINVAL).</exception>
    /// <exception cref="BpfAttachNotSupportedException">The kernel cannot attach a program's kind (kprobes without CONFIG_KPROBES, fentry without trampolines).</exception>
    /// <exception cref="NotSupportedException">A kind ManagedBpf does not attach yet (multi-probes).</exception>
    /// <exception cref="ArgumentException">A section names a tracepoint, raw tracepoint or symbol that the kernel or binary does not have.</exception>
    /// <exception cref="FileNotFoundException">A <c>uprobe/…</c> or <c>usdt/…</c> section names a binary that cannot be found.</exception>
    /// <exception cref="BpfObjectFormatException">A <c>usdt/…</c> section's binary or its notes are malformed, or the object's <c>usdt.bpf.h</c> types are.</exception>
    /// <exception cref="DirectoryNotFoundException">A tracepoint needs tracefs, which is not mounted and could not be mounted.</exception>
    /// <exception cref="UnauthorizedAccessException">A tracepoint's id in tracefs cannot be read (root's alone unless granted; the message says how).</exception>
    /// <exception cref="ManagedBpf.Kernel.BpfSyscallException">An attach call failed; the message has the errno and a hint.</exception>
    public AutoAttachment Attach(IEnumerable<string> programNames)
    {
        ArgumentNullException.ThrowIfNull(programNames);
        var programs = programNames.Select(name => Spec.Programs.FirstOrDefault(p => p.Name == name && _programs.ContainsKey(name))
            ?? throw new KeyNotFoundException($"No loaded program '{name}' in '{Spec.Name}'; it has: {string.Join(", ", _programs.Keys)}.")).ToList();
        var attachment = Attach(programs);
        if (attachment.Skipped is [var skipped, ..])
        {
            attachment.Dispose();
            throw new InvalidOperationException($"{skipped.Program} cannot be attached automatically: {skipped.SkipReason}.");
        }

        return attachment;
    }

    private AutoAttachment Attach(IEnumerable<ObjectProgram> programs) => AutoAttach.AttachAll(
        programs.Select(p => new AutoAttachRequest(_programs[p.Name], p.Section?.Kind, p.Section?.AttachTarget)),
        new AutoAttachOptions
        {
            ResolveFunctionOffset = ElfSymbolOffsets.FindFunctionOffset,
            // As libbpf's attach_usdt: every process, no USDT cookie.
            AttachUsdt = (program, binary, provider, name) => AttachLoadedUsdt(program, binary, provider, name, null),
        });
}
