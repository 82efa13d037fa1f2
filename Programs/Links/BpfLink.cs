using ManagedBpf.Kernel;

namespace ManagedBpf.Programs;

/// <summary>
/// A bpf_link descriptor and nothing else: raw tracepoints, tp_btf and other tracing attachments, XDP,
/// tcx and cgroup links, and links opened from a pin or an id.
/// </summary>
public sealed class BpfLink : Link
{
    internal BpfLink(SafeFdHandle handle, AttachMechanism mechanism, string description)
        : base(handle, mechanism, description)
    {
    }

    /// <summary>Opens the link pinned at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidOperationException">What is pinned there is a map or a program, not a link.</exception>
    public static BpfLink OpenPinned(string path)
    {
        var handle = Bpf.ObjGet(path, 0);
        // BPF_OBJ_GET opens whatever is pinned; the descriptor's anon inode says what it is.
        var kind = DescriptorKind.Of(handle);
        if (!DescriptorKind.IsLink(kind))
        {
            handle.Dispose();
            throw new InvalidOperationException($"{path} pins {kind ?? "an unknown object"}, not a bpf_link.");
        }
        return new BpfLink(handle, AttachMechanism.BpfLink, $"link pinned at {path}");
    }

    /// <summary>Opens the link with kernel id <paramref name="id"/>.</summary>
    public static BpfLink FromId(uint id) => new(Bpf.GetFdById(BpfCommand.LINK_GET_FD_BY_ID, id), AttachMechanism.BpfLink, $"link {id}");
}
