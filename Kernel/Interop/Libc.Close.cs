using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);
}
