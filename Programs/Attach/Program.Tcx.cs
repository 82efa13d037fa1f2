using ManagedBpf.Kernel;
using ManagedBpf.Kernel.Abi;

namespace ManagedBpf.Programs;

public sealed partial class Program
{
    /// <summary>
    /// Attaches a SCHED_CLS program to an interface's tc hook through tcx (BPF_LINK_CREATE with BPF_TCX_INGRESS
    /// or BPF_TCX_EGRESS and <c>target_ifindex</c>; 6.6+). Programs run in attach order; the verdict of the last
    /// that says something other than TCX_NEXT wins. The index is looked up in the calling thread's network namespace.
    /// </summary>
    /// <param name="interfaceIndex">The interface.</param>
    /// <param name="direction">The hook; null takes it from the section (<c>tc/ingress</c>, <c>tcx/egress</c>…).</param>
    /// <exception cref="ArgumentException">No direction given and the section names none.</exception>
    /// <exception cref="BpfAttachNotSupportedException">This kernel has no tcx (before 6.6).</exception>
    public BpfLink AttachTcx(int interfaceIndex, TcDirection? direction = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(interfaceIndex);
        var attachType = direction switch
        {
            TcDirection.Ingress => BpfAttachType.TCX_INGRESS,
            TcDirection.Egress => BpfAttachType.TCX_EGRESS,
            _ when ExpectedAttachType is BpfAttachType.TCX_INGRESS or BpfAttachType.TCX_EGRESS => ExpectedAttachType,
            _ => throw new ArgumentException($"{this} comes from a section that names no tc direction ('{SectionName}'): pass TcDirection.Ingress or Egress.", nameof(direction)),
        };
        var mechanism = AttachSupport.Require(AttachKind.Tcx);
        var description = $"{this} on tcx {(attachType == BpfAttachType.TCX_INGRESS ? "ingress" : "egress")} of interface {interfaceIndex}";
        var attr = new LinkCreateAttr { target_ifindex = (uint)interfaceIndex, attach_type = (uint)attachType };
        return new BpfLink(BpfLinkCommands.Create(this, ref attr, description), mechanism, description);
    }

    /// <summary>Attaches to the tc hook of the interface called <paramref name="interfaceName"/> in the calling thread's network namespace.</summary>
    /// <exception cref="ArgumentException">No such interface, or no direction.</exception>
    public BpfLink AttachTcx(string interfaceName, TcDirection? direction = null) => AttachTcx(NetworkInterfaces.IndexOf(interfaceName), direction);
}
