using System.Text;
using ManagedBpf.Kernel;
using ManagedBpf.Kernel.Abi;

namespace ManagedBpf.Programs;

/// <summary>
/// What the kernel reports about a link (<c>struct bpf_link_info</c>): the common fields, and from the
/// per-type union what identifies the attach point. Fields that do not apply to the link's type are null.
/// </summary>
/// <param name="Type">The link type.</param>
/// <param name="Id">The kernel's id for the link.</param>
/// <param name="ProgramId">The id of the attached program.</param>
public sealed record LinkInfo(BpfLinkType Type, uint Id, uint ProgramId)
{
    private const int NameCapacity = 512;

    /// <summary>The attach type (tracing, cgroup, netns, tcx, netkit links).</summary>
    public BpfAttachType? AttachType { get; init; }

    /// <summary>The network interface (BpfLinkType.XDP, tcx, netkit links).</summary>
    public int? InterfaceIndex { get; init; }

    /// <summary>The cgroup's id, its inode number in cgroupfs (cgroup links).</summary>
    public ulong? CgroupId { get; init; }

    /// <summary>The kernel BTF id of the target (tracing links).</summary>
    public uint? TargetBtfId { get; init; }

    /// <summary>What a perf-event link is attached to (6.6+ fills this).</summary>
    public BpfPerfEventType? PerfEventType { get; init; }

    /// <summary>The name of the attach point: the raw tracepoint, the iterator target, or a perf link's tracepoint, function or binary.</summary>
    public string? Name { get; init; }

    /// <summary>Reads the info of <paramref name="link"/>; a second call fetches the name for the types that have one.</summary>
    internal static unsafe LinkInfo Read(SafeFdHandle link, string subject)
    {
        var info = default(BpfLinkInfoFull);
        Bpf.GetInfo(link, ref info, subject);
        var type = (BpfLinkType)info.type;
        var perfType = type == BpfLinkType.PERF_EVENT ? (BpfPerfEventType)(uint)info.union[0] : (BpfPerfEventType?)null;
        var result = new LinkInfo(type, info.id, info.prog_id) { PerfEventType = perfType };
        var u32 = (uint*)info.union;
        result = type switch
        {
            BpfLinkType.TRACING => result with { AttachType = (BpfAttachType)u32[0], TargetBtfId = u32[2] },
            BpfLinkType.CGROUP => result with { CgroupId = info.union[0], AttachType = (BpfAttachType)u32[2] },
            BpfLinkType.NETNS => result with { AttachType = (BpfAttachType)u32[1] },
            BpfLinkType.XDP => result with { InterfaceIndex = (int)u32[0] },
            BpfLinkType.TCX or BpfLinkType.NETKIT => result with { InterfaceIndex = (int)u32[0], AttachType = (BpfAttachType)u32[1] },
            _ => result,
        };
        // The name pointer and its length sit at union offsets 0/8 (raw_tracepoint, iter) or 8/16 (perf_event's
        // uprobe, kprobe and tracepoint members, after the u32 type and its padding).
        var slot = type == BpfLinkType.RAW_TRACEPOINT || type == BpfLinkType.ITER ? 0
            : perfType is BpfPerfEventType.UPROBE or BpfPerfEventType.URETPROBE or BpfPerfEventType.KPROBE or BpfPerfEventType.KRETPROBE or BpfPerfEventType.TRACEPOINT ? 1
            : -1;
        if (slot < 0)
            return result;
        var name = stackalloc byte[NameCapacity];
        var again = default(BpfLinkInfoFull);
        again.union[slot] = (ulong)name;
        again.union[slot + 1] = NameCapacity;
        if (perfType is { } kind)
            again.union[0] = (ulong)kind;
        Bpf.GetInfo(link, ref again, subject);
        var text = new ReadOnlySpan<byte>(name, NameCapacity);
        var end = text.IndexOf((byte)0);
        return result with { Name = Encoding.UTF8.GetString(end < 0 ? text : text[..end]) };
    }
}
