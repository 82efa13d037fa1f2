using ManagedBpf.Kernel;
using ManagedBpf.Kernel.Abi;

namespace ManagedBpf.Programs;

public sealed partial class Program
{
    /// <summary>
    /// Attaches an XDP program to the interface with index <paramref name="interfaceIndex"/> (BPF_LINK_CREATE with
    /// BPF_XDP, <c>target_ifindex</c> and the mode flag). The index is looked up in the calling thread's network namespace.
    /// </summary>
    /// <exception cref="BpfSyscallException">EEXIST: a program is already attached in that mode; EOPNOTSUPP: the driver has no native XDP; ENODEV: no such interface.</exception>
    public BpfLink AttachXdp(int interfaceIndex, XdpMode mode = XdpMode.Default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(interfaceIndex);
        var mechanism = AttachSupport.Require(AttachKind.Xdp);
        var description = $"{this} on XDP of interface {interfaceIndex} ({mode})";
        var attr = new LinkCreateAttr { target_ifindex = (uint)interfaceIndex, attach_type = (uint)BpfAttachType.XDP, flags = (uint)mode };
        return new BpfLink(BpfLinkCommands.Create(this, ref attr, description), mechanism, description);
    }

    /// <summary>Attaches an XDP program to the interface called <paramref name="interfaceName"/> in the calling thread's network namespace.</summary>
    /// <exception cref="ArgumentException">No such interface.</exception>
    public BpfLink AttachXdp(string interfaceName, XdpMode mode = XdpMode.Default) => AttachXdp(NetworkInterfaces.IndexOf(interfaceName), mode);
}
