namespace ManagedBpf.Kernel;

/// <summary>A BPF link type.</summary>
/// <remarks>Member names and values mirror the kernel's uapi <c>enum bpf_link_type</c> (include/uapi/linux/bpf.h).</remarks>
#pragma warning disable CS1591 // Members are the kernel's own constants; the uapi header documents them.
public enum BpfLinkType : uint
{
    NETFILTER = 10,
    TCX = 11,
    UPROBE_MULTI = 12,
    NETKIT = 13,
    SOCKMAP = 14,
}
#pragma warning restore CS1591
