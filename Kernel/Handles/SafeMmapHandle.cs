using System.Runtime.InteropServices;
using ManagedBpf.Kernel.Interop;

namespace ManagedBpf.Kernel;

/// <summary>The protection of a shared mapping.</summary>
[Flags]
public enum MemoryProtection
{
    /// <summary>PROT_READ.</summary>
    Read = Libc.PROT_READ,

    /// <summary>PROT_WRITE (a BPF ring buffer's consumer page, a perf buffer).</summary>
    Write = Libc.PROT_WRITE,

    /// <summary>PROT_READ | PROT_WRITE.</summary>
    ReadWrite = Read | Write,
}

/// <summary>
/// A shared mapping of a kernel object (ring buffer pages, perf buffer pages, an mmapable array).
/// munmap runs exactly once, when the last reader has let go: readers take a <see cref="MappingLease"/>
/// while they touch the memory, so Dispose cannot unmap memory in use. An owner that counts its readers itself (the
/// buffer readers keep one count over all of their mappings) disposes the handle only once its last reader has let go.
/// </summary>
public sealed unsafe class SafeMmapHandle : SafeHandle
{
    private SafeMmapHandle(nint address, nuint length)
        : base(Libc.MAP_FAILED, ownsHandle: true)
    {
        SetHandle(address);
        Length = length;
    }

    /// <summary>The mapping's length in bytes.</summary>
    public nuint Length { get; }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == Libc.MAP_FAILED || handle == 0;

    /// <summary>Maps <paramref name="length"/> bytes of <paramref name="fd"/> at <paramref name="offset"/>, shared.</summary>
    /// <exception cref="BpfSyscallException">mmap failed; the message names the object and the sizes.</exception>
    public static SafeMmapHandle Map(SafeFdHandle fd, nuint length, MemoryProtection protection, long offset, string? subject = null)
    {
        ArgumentNullException.ThrowIfNull(fd);
        if (length == 0)
            throw new ArgumentOutOfRangeException(nameof(length), "A mapping needs at least one byte.");
        if (offset < 0 || offset % KernelInfo.PageSize != 0)
            throw new ArgumentOutOfRangeException(nameof(offset), $"An mmap offset must be a non-negative multiple of the page size ({KernelInfo.PageSize}); got {offset}.");
        using var lease = fd.Borrow();
        var address = Libc.Mmap(0, length, (int)protection, Libc.MAP_SHARED, lease.Fd, offset);
        if (address == Libc.MAP_FAILED)
        {
            var errno = (Errno)Marshal.GetLastPInvokeError();
            var what = $"{subject ?? $"fd {lease.Fd}"}, {length} bytes at offset {offset}, {protection}";
            throw new BpfSyscallException("mmap", errno, subject: what, hint: errno switch
            {
                Errno.EPERM or Errno.EACCES => "The object does not allow this protection (a ring buffer's producer pages are read-only to user space).",
                Errno.EINVAL => "The length or offset does not fit the object (for a ring buffer: one consumer page at 0, then a producer page plus twice the data size).",
                Errno.ENOMEM => "Out of address space or memory.",
                _ => null,
            });
        }
        return new SafeMmapHandle(address, length);
    }

    /// <summary>Takes a reference on the mapping for reading or writing; dispose the lease to give it back.</summary>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    public MappingLease Acquire() => new(this);

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => Libc.Munmap(handle, Length) == 0;
}
