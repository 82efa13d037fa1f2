using System.Runtime.InteropServices;

namespace ManagedBpf.Kernel.Interop;

/// <summary>
/// <c>struct epoll_event { u32 events; u64 data; }</c> is declared packed on x86_64 (12 bytes, data at 4)
/// and naturally aligned elsewhere (16 bytes, data at 8), so it is read by offsets rather than a struct.
/// </summary>
internal static class EpollEventLayout
{
    internal static readonly int Size = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    internal static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;
}
