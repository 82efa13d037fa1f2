using ManagedBpf.TestSupport;

namespace ManagedBpf.Kernel.Tests;

[Collection(DescriptorCounting.Collection)]
public sealed class DescriptorLeakTests
{
    [Fact]
    public void Epoll_sets_close_both_descriptors()
    {
        var before = OpenDescriptors.Count();
        for (var i = 0; i < 20; i++)
            new EpollSet().Dispose();
        Assert.Equal(before, OpenDescriptors.Count());
    }

    [KernelFact]
    public void Probing_leaks_no_descriptors()
    {
        var before = OpenDescriptors.Count();
        foreach (var type in Enum.GetValues<BpfMapType>())
            FeatureProbe.HasMapType(type);
        foreach (var type in Enum.GetValues<BpfProgType>())
            FeatureProbe.HasProgramType(type);
        Assert.Equal(before, OpenDescriptors.Count());
    }
}
