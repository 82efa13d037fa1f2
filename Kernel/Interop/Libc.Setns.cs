using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Interop;

internal static partial class Libc
{
    internal const int CLONE_NEWNET = 0x40000000;

    // Moves the calling thread (not the process) into the namespace behind fd: interface indexes and
    // sockets are per network namespace, so XDP and tcx attachments resolve ifindex there.
    [LibraryImport(Name, EntryPoint = "setns", SetLastError = true)]
    internal static partial int Setns(int fd, int nstype);
}
