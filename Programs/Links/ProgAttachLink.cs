using ManagedBpf.Kernel;
using ManagedBpf.Kernel.Abi;

namespace ManagedBpf.Programs;

/// <summary>
/// A cgroup attachment made with BPF_PROG_ATTACH, for kernels without bpf_link: nothing holds it but this
/// object, so disposing (or <see cref="Detach"/>) undoes it with BPF_PROG_DETACH. It keeps its own
/// descriptors of the target and the program, because detaching a multi-attached program names both.
/// </summary>
public sealed class ProgAttachLink : Link
{
    /// <summary>BPF_F_ALLOW_MULTI: other programs may attach to the same cgroup and hook alongside this one.</summary>
    internal const uint AllowMulti = 1U << 1;

    private readonly SafeFdHandle _target;
    private readonly SafeFdHandle _program;
    private readonly BpfAttachType _attachType;
    private bool _detached;

    internal ProgAttachLink(SafeFdHandle target, SafeFdHandle program, BpfAttachType attachType, string description)
        : base(null, AttachMechanism.ProgAttach, description)
    {
        _target = target;
        _program = program;
        _attachType = attachType;
    }

    /// <summary>BPF_PROG_ATTACH: attaches <paramref name="program"/> to <paramref name="target"/>, taking ownership of <paramref name="target"/>.</summary>
    internal static ProgAttachLink Attach(Program program, SafeFdHandle target, BpfAttachType attachType, string description)
    {
        // An own descriptor of the program (by id), so the detach still works after the caller disposes the Program.
        var own = Bpf.GetFdById(BpfCommand.PROG_GET_FD_BY_ID, program.Id);
        try
        {
            Run(BpfCommand.PROG_ATTACH, target, own, attachType, AllowMulti, description);
            return new ProgAttachLink(target, own, attachType, description);
        }
        catch
        {
            own.Dispose();
            target.Dispose();
            throw;
        }
    }

    /// <summary>BPF_PROG_DETACH.</summary>
    public override void Detach()
    {
        if (_detached)
            return;
        Run(BpfCommand.PROG_DETACH, _target, _program, _attachType, 0, Description);
        _detached = true;
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_target.IsClosed)
        {
            try
            {
                Detach();
            }
            finally
            {
                _program.Dispose();
                _target.Dispose();
            }
        }
        base.Dispose(disposing);
    }

    private static void Run(BpfCommand command, SafeFdHandle target, SafeFdHandle program, BpfAttachType attachType, uint flags, string subject)
    {
        using var targetLease = target.Borrow();
        using var programLease = program.Borrow();
        var attr = new ProgAttachAttr { target_fd = (uint)targetLease.Fd, attach_bpf_fd = (uint)programLease.Fd, attach_type = (uint)attachType, attach_flags = flags };
        Bpf.Run(command, ref attr, subject);
    }
}
