using ManagedBpf.Kernel;

namespace ManagedBpf.Maps;

public sealed partial class Map
{
    /// <summary>
    /// Maps the values of this <c>BPF_F_MMAPABLE</c> array into the process, to read and write them without syscalls
    /// (global data sections are such arrays). Dispose the result to unmap it; it stays valid after the map is disposed.
    /// </summary>
    /// <param name="writable">Map for writing too; a frozen map (a loaded <c>.rodata</c>) can only be mapped read-only.</param>
    /// <returns>The mapped values.</returns>
    /// <exception cref="InvalidOperationException">The map is not an array created with <see cref="MapFlags.Mmapable"/>.</exception>
    /// <exception cref="BpfSyscallException">mmap failed (EPERM: writable mapping of a frozen map).</exception>
    /// <exception cref="ObjectDisposedException">The map was disposed.</exception>
    public MapMemory Mmap(bool writable = true) => new(this, writable);
}
