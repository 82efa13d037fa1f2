using ManagedBpf.Kernel.Interop;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Kernel.Tests;

public sealed class DescriptorKindTests
{
    [KernelFact]
    public void A_map_descriptor_reads_as_a_map_and_not_a_link()
    {
        using var map = KernelObjects.CreateMap(BpfMapType.ARRAY, 4, 4, 1);
        var kind = DescriptorKind.Of(map);
        Assert.Equal("anon_inode:bpf-map", kind);
        Assert.True(DescriptorKind.IsMap(kind));
        Assert.False(DescriptorKind.IsLink(kind));
    }

    [Fact]
    public void Link_names_cover_both_spellings_and_nothing_else()
    {
        Assert.True(DescriptorKind.IsLink("anon_inode:bpf_link"));
        Assert.True(DescriptorKind.IsLink("anon_inode:bpf-link"));
        Assert.False(DescriptorKind.IsLink("anon_inode:bpf-prog"));
        Assert.False(DescriptorKind.IsLink(null));
        Assert.False(DescriptorKind.IsMap(null));
    }

    [Fact]
    public void A_non_bpf_descriptor_is_neither()
    {
        using var eventFd = new SafeFdHandle(Libc.EventFd(0, Libc.EFD_CLOEXEC), ownsHandle: true);
        var kind = DescriptorKind.Of(eventFd);
        Assert.Equal("anon_inode:[eventfd]", kind);
        Assert.False(DescriptorKind.IsMap(kind));
        Assert.False(DescriptorKind.IsLink(kind));
    }
}
