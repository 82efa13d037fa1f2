using System.Runtime.InteropServices;
using ManagedBpf.Kernel.Interop;

namespace ManagedBpf.Kernel;

/// <summary>
/// Zeroed, page-aligned anonymous memory between two inaccessible guard pages: the stand-in for a kernel mapping in
/// the simulators and captured snapshots. A reader that strays one byte past either end faults at once, as it would
/// on the real mapping's edge, instead of reading a neighbour's bytes: so the readers' bounds are testable.
/// </summary>
internal sealed unsafe class GuardedMemory : SafeHandle
{
    private const int PROT_NONE = 0, MAP_PRIVATE = 0x02, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20;
    private readonly nuint _reserved;

    private GuardedMemory(nint reservation, nuint reserved, nuint length)
        : base(Libc.MAP_FAILED, ownsHandle: true)
    {
        SetHandle(reservation);
        _reserved = reserved;
        Length = length;
    }

    /// <summary>The usable length: the requested one, rounded up to whole pages.</summary>
    internal nuint Length { get; }

    /// <summary>The first usable byte, one page into the reservation; the owner checks for disposal first.</summary>
    internal byte* Pointer => (byte*)handle + KernelInfo.PageSize;

    /// <inheritdoc/>
    public override bool IsInvalid => handle == Libc.MAP_FAILED || handle == 0;

    /// <summary>Reserves the guards and the usable pages in one private anonymous mapping, then opens the middle.</summary>
    /// <exception cref="BpfSyscallException">mmap failed.</exception>
    internal static GuardedMemory Allocate(nuint length)
    {
        var page = (nuint)KernelInfo.PageSize;
        length = (length + page - 1) / page * page;
        var reserved = length + (2 * page);
        var reservation = Libc.Mmap(0, reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (reservation == Libc.MAP_FAILED)
            throw new BpfSyscallException("mmap", (Errno)Marshal.GetLastPInvokeError(), subject: $"{reserved} bytes of guarded memory");
        var memory = new GuardedMemory(reservation, reserved, length);
        if (Libc.Mmap(reservation + (nint)page, length, Libc.PROT_READ | Libc.PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == Libc.MAP_FAILED)
        {
            var errno = (Errno)Marshal.GetLastPInvokeError();
            memory.Dispose();
            throw new BpfSyscallException("mmap", errno, subject: $"{length} bytes inside guarded memory");
        }

        return memory;
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => Libc.Munmap(handle, _reserved) == 0;
}
