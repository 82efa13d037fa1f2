using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Interop;

internal static partial class Libc
{
    /// <summary><c>sched_setaffinity(pid, cpusetsize, mask)</c>; pid 0 is the calling thread.</summary>
    [LibraryImport(Name, EntryPoint = "sched_setaffinity", SetLastError = true)]
    internal static unsafe partial int SchedSetAffinity(int pid, nuint cpuSetSize, ulong* mask);
}
