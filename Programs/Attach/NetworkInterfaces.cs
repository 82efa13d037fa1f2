using System.Runtime.InteropServices;
using ManagedBpf.Kernel;
using ManagedBpf.Kernel.Interop;

namespace ManagedBpf.Programs;

/// <summary>Interface names to indexes, in the calling thread's network namespace (where XDP and tcx resolve them too).</summary>
internal static class NetworkInterfaces
{
    /// <summary>if_nametoindex(3).</summary>
    /// <exception cref="ArgumentException">No such interface in this thread's network namespace.</exception>
    internal static int IndexOf(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var index = Libc.IfNameToIndex(name);
        if (index == 0)
        {
            var errno = (Errno)Marshal.GetLastPInvokeError();
            throw new ArgumentException($"No network interface '{name}' in this thread's network namespace ({BpfSyscallException.NameOf(errno)}).", nameof(name));
        }
        return (int)index;
    }
}
