using ManagedBpf.Loader.Elf;
using ManagedBpf.Programs;

namespace ManagedBpf.Loader;

public sealed partial class Collection
{
    /// <summary>
    /// Attaches every loaded program as its section name says, as a libbpf skeleton's attach does:
    /// tracepoints, raw tracepoints, tp_btf, uprobes by binary and symbol, iterators… Programs whose
    /// section names no target are skipped, each with the reason. All or nothing: if one attachment
    /// fails, those already made are undone and the exception propagates.
    /// </summary>
    public AutoAttachment AttachAll() => AutoAttach.AttachAll(
        Spec.Programs.Where(p => _programs.ContainsKey(p.Name))
            .Select(p => new AutoAttachRequest(_programs[p.Name], p.Section?.Kind, p.Section?.AttachTarget)),
        new AutoAttachOptions { ResolveFunctionOffset = ElfSymbolOffsets.FindFunctionOffset });
}
