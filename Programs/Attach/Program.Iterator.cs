using ManagedBpf.Kernel.Abi;

namespace ManagedBpf.Programs;

public sealed partial class Program
{
    /// <summary>
    /// Attaches an iterator program (<c>iter/task</c>, <c>iter/bpf_map_elem</c>…; libbpf's <c>bpf_program__attach_iter</c>):
    /// BPF_LINK_CREATE with BPF_TRACE_ITER and, when <paramref name="options"/> set one, the map or task to walk.
    /// Read its output with <see cref="IteratorLink.Open"/>.
    /// </summary>
    /// <exception cref="ArgumentException">More than one target in <paramref name="options"/>.</exception>
    public unsafe IteratorLink AttachIterator(IteratorOptions? options = null)
    {
        AttachSupport.Require(AttachKind.Iterator); // iterators exist only as links
        var description = $"{this} as iterator";
        if (options is { } o && (o.Map is null ? 0 : 1) + (o.ProcessId is null ? 0 : 1) + (o.ThreadId is null ? 0 : 1) > 1)
            throw new ArgumentException("Give at most one of Map, ProcessId and ThreadId.", nameof(options));
        // Keep the map's descriptor from being closed and reused while the kernel reads its number.
        using var mapLease = options?.Map?.Handle is { } map ? map.Borrow() : default;
        var info = new BpfIterLinkInfo();
        if (options?.Map is not null)
            info.map_fd = (uint)mapLease.Fd;
        else if (options?.ProcessId is { } pid)
            info.pid = (uint)pid;
        else if (options?.ThreadId is { } tid)
            info.tid = (uint)tid;
        var attr = new LinkCreateAttr { attach_type = (uint)Kernel.BpfAttachType.TRACE_ITER };
        if (options?.Map is not null || options?.ProcessId is not null || options?.ThreadId is not null)
            (attr.iter_info, attr.iter_info_len) = ((ulong)&info, (uint)sizeof(BpfIterLinkInfo));
        return new IteratorLink(BpfLinkCommands.Create(this, ref attr, description), description);
    }
}
