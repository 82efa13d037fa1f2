namespace ManagedBpf.Kernel.Interop;

/// <summary>
/// The only entry points into native code in ManagedBpf: libc, reached through source-generated
/// <c>LibraryImport</c>s (one small file per call), so everything stays NativeAOT-compatible.
/// </summary>
internal static partial class Libc
{
    /// <summary>glibc's soname. Resolving "libc" alone would hit the linker script libc.so on some systems.</summary>
    internal const string Name = "libc.so.6";
}
