using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Interop;

internal static partial class Libc
{
    internal const int O_RDONLY = 0;
    internal const int O_CLOEXEC = 0x80000;

    /// <summary>O_DIRECTORY: 0200000 in asm-generic (x86_64), 040000 on arm64.</summary>
    internal static readonly int O_DIRECTORY = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x4000 : 0x10000;

    // open(2) is variadic; without O_CREAT the mode argument is not read. .NET's own file APIs refuse
    // directories, and a cgroup is attached to through a descriptor of its directory.
    [LibraryImport(Name, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags);
}
