using ManagedBpf.Kernel.Abi;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Kernel.Tests;

public sealed unsafe class MmapTests
{
    private const uint BPF_F_MMAPABLE = 1024;

    [KernelFact]
    public void Maps_an_mmapable_array_and_sees_updates()
    {
        using var map = KernelObjects.CreateMap(BpfMapType.ARRAY, 4, 8, 4, BPF_F_MMAPABLE);
        using var mapping = SafeMmapHandle.Map(map, (nuint)KernelInfo.PageSize, MemoryProtection.ReadWrite, 0);
        uint key = 2;
        ulong value = 0xfeedface_cafebabe;
        Assert.Equal(Errno.None, Bpf.MapElem(BpfCommand.MAP_UPDATE_ELEM, map, &key, &value, 0));
        using (var lease = mapping.Acquire())
        {
            Assert.Equal(value, ((ulong*)lease.Pointer)[2]);
            ((ulong*)lease.Pointer)[3] = 7; // and the other way round
        }
        key = 3;
        ulong read = 0;
        Assert.Equal(Errno.None, Bpf.MapElem(BpfCommand.MAP_LOOKUP_ELEM, map, &key, &read, 0));
        Assert.Equal(7ul, read);
    }

    [KernelFact]
    public void A_held_lease_keeps_memory_mapped_through_dispose()
    {
        using var map = KernelObjects.CreateMap(BpfMapType.ARRAY, 4, 8, 4, BPF_F_MMAPABLE);
        var mapping = SafeMmapHandle.Map(map, (nuint)KernelInfo.PageSize, MemoryProtection.ReadWrite, 0);
        var lease = mapping.Acquire();
        mapping.Dispose();
        ((ulong*)lease.Pointer)[0] = 1; // still mapped: munmap waits for the last reference
        Assert.False(mapping.IsClosed);
        lease.Dispose();
        Assert.True(mapping.IsClosed);
        Assert.Throws<ObjectDisposedException>(() => mapping.Acquire());
    }

    [KernelFact]
    public void Refused_protections_name_the_object_and_the_rule()
    {
        // A ring buffer's producer pages are read-only to user space.
        using var ring = KernelObjects.CreateMap(BpfMapType.RINGBUF, 0, 0, (uint)KernelInfo.PageSize);
        var e = Assert.Throws<BpfSyscallException>(() => SafeMmapHandle.Map(ring, (nuint)(3 * KernelInfo.PageSize), MemoryProtection.ReadWrite, KernelInfo.PageSize, "ring"));
        Assert.Equal("mmap", e.Operation);
        Assert.Equal(Errno.EPERM, e.Errno);
        Assert.Contains("ring", e.Message);
        Assert.Contains("read-only", e.Message);
    }

    [Fact]
    public void Offsets_must_be_page_multiples()
    {
        using var fd = new SafeFdHandle();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => SafeMmapHandle.Map(fd, 4096, MemoryProtection.Read, 100));
        Assert.Contains("multiple of the page size", e.Message);
    }
}
