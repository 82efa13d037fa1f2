using System.Diagnostics;
using ManagedBpf.Kernel;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Maps.Tests;

[Collection(DescriptorCounting.Collection)]
public sealed class LifetimeTests
{
    [KernelFact]
    public void Creating_and_disposing_maps_leaks_no_descriptor()
    {
        var before = OpenDescriptors.Count("bpf-map");
        for (var i = 0; i < 50; i++)
        {
            using var hash = Map.Create(Specs.Of(BpfMapType.HASH, 4, 4, 4));
            using var outer = Map.Create(Specs.Of(BpfMapType.ARRAY_OF_MAPS, 4, 4, 2) with { InnerMap = Specs.Of(BpfMapType.ARRAY, 4, 4, 1) });
            using var ring = Map.Create(MapSpec.RingBuffer("rb", (ulong)KernelInfo.PageSize));
        }
        Assert.Equal(before, OpenDescriptors.Count("bpf-map"));
    }

    [KernelFact]
    public void Map_in_map_takes_inner_maps_by_descriptor_and_reports_their_ids()
    {
        using var outer = Map.Create(Specs.Of(BpfMapType.HASH_OF_MAPS, 4, 4, 2) with { InnerMap = Specs.Of(BpfMapType.ARRAY, 4, 4, 1) });
        using var inner = Map.Create(Specs.Of(BpfMapType.ARRAY, 4, 4, 1));
        outer.SetDescriptor(7, inner.Handle);
        var id = new byte[4];
        Assert.True(outer.TryLookup(BitConverter.GetBytes(7u), id));
        Assert.Equal(inner.Id, BitConverter.ToUInt32(id));
    }

    [KernelFact]
    public void Operations_on_a_disposed_map_throw_object_disposed()
    {
        var map = Map.Create(Specs.Of(BpfMapType.HASH, 4, 4, 4));
        map.Dispose();
        Assert.Throws<ObjectDisposedException>(() => map.TryLookup(new byte[4], new byte[4]));
    }

    [KernelTheory]
    [InlineData("map")]
    [InlineData("probe")]
    public void Without_cap_bpf_the_error_names_the_capability(string operation)
    {
        var probe = Path.Combine(AppContext.BaseDirectory, "ManagedBpf.PrivilegeProbe.dll");
        // An empty bounding set: the child runs as uid 0 but gains no capability at exec.
        var start = new ProcessStartInfo("setpriv", ["--bounding-set=-all", "--inh-caps=-all", "--", "dotnet", probe, operation]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var child = Process.Start(start)!;
        var output = child.StandardOutput.ReadToEnd();
        var error = child.StandardError.ReadToEnd();
        Assert.True(child.WaitForExit(60_000), "the probe hung");
        Assert.True(child.ExitCode == 3, $"expected EPERM (exit 3), got {child.ExitCode}: {output} {error}");
        Assert.Contains("EPERM", output);
        Assert.Contains("CAP_BPF", output);
        Assert.Contains("or root", output);
    }
}
