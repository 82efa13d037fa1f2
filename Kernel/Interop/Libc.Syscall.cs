using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Interop;

internal static partial class Libc
{
    // syscall(2) is variadic; integer arguments travel in the same registers as a fixed-arity call on
    // x86_64 and arm64, and unused trailing arguments are ignored by the kernel.
    [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true)]
    internal static partial nint Syscall(nint number, nint arg1, nint arg2, nint arg3, nint arg4, nint arg5);
}
