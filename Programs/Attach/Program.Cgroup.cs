using System.Runtime.InteropServices;
using ManagedBpf.Kernel;
using ManagedBpf.Kernel.Abi;
using ManagedBpf.Kernel.Interop;

namespace ManagedBpf.Programs;

public sealed partial class Program
{
    /// <summary>
    /// Attaches a cgroup program (cgroup_skb, cgroup/sock, sock_addr, sockopt, sysctl, dev, sockops…) to the
    /// cgroup v2 directory <paramref name="cgroupPath"/>: BPF_LINK_CREATE on a descriptor of the directory, or on
    /// kernels without bpf_link BPF_PROG_ATTACH with BPF_F_ALLOW_MULTI. It applies to every process in the cgroup
    /// and its descendants (for sockets: the cgroup of the process that created the socket).
    /// </summary>
    /// <param name="cgroupPath">A directory of a cgroup v2 hierarchy, e.g. <c>/sys/fs/cgroup/my.slice</c>.</param>
    /// <param name="attachType">The hook; null takes the program's expected attach type (from its section).</param>
    /// <exception cref="BpfSyscallException">open failed (ENOENT, ENOTDIR), or the kernel refused (EBADF: not a cgroup v2 directory).</exception>
    public Link AttachCgroup(string cgroupPath, BpfAttachType? attachType = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(cgroupPath);
        var type = attachType ?? ExpectedAttachType;
        var mechanism = AttachSupport.Require(AttachKind.Cgroup);
        var description = $"{this} on cgroup {cgroupPath} ({type})";
        var cgroup = OpenDirectory(cgroupPath);
        if (mechanism == AttachMechanism.ProgAttach)
            return ProgAttachLink.Attach(this, cgroup, type, description);
        using (cgroup)
        {
            // The link holds the cgroup from here; the directory descriptor is not needed any more.
            using var lease = cgroup.Borrow();
            var attr = new LinkCreateAttr { target_fd = (uint)lease.Fd, attach_type = (uint)type };
            return new BpfLink(BpfLinkCommands.Create(this, ref attr, description), mechanism, description);
        }
    }

    private static SafeFdHandle OpenDirectory(string path)
    {
        var fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC);
        if (fd < 0)
            throw new BpfSyscallException("open", (Errno)Marshal.GetLastPInvokeError(), subject: path, hint: "A cgroup program attaches to a directory of a cgroup v2 hierarchy.");
        return new SafeFdHandle(fd, ownsHandle: true);
    }
}
