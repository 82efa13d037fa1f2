using ManagedBpf.TestSupport;

namespace ManagedBpf.Kernel.Tests;

public sealed class FeatureProbeTests
{
    [KernelFact]
    public void Map_types_this_kernel_has_are_found()
    {
        Assert.True(FeatureProbe.HasMapType(BpfMapType.HASH));
        Assert.True(FeatureProbe.HasMapType(BpfMapType.PERF_EVENT_ARRAY));
        Assert.True(FeatureProbe.HasMapType(BpfMapType.LPM_TRIE));
        Assert.True(FeatureProbe.HasMapType(BpfMapType.ARRAY_OF_MAPS));
        if (KernelInfo.Release >= new Version(5, 8))
            Assert.True(FeatureProbe.HasMapType(BpfMapType.RINGBUF));
        if (KernelInfo.Release >= new Version(6, 1))
        {
            Assert.True(FeatureProbe.HasMapType(BpfMapType.USER_RINGBUF));
            Assert.True(FeatureProbe.HasMapType(BpfMapType.TASK_STORAGE));
        }
    }

    [KernelFact]
    public void Unknown_map_and_program_types_are_absent()
    {
        Assert.False(FeatureProbe.HasMapType((BpfMapType)999));
        Assert.False(FeatureProbe.HasProgramType((BpfProgType)999));
    }

    [KernelFact]
    public void Program_types_this_kernel_has_are_found()
    {
        Assert.True(FeatureProbe.HasProgramType(BpfProgType.SOCKET_FILTER));
        Assert.True(FeatureProbe.HasProgramType(BpfProgType.XDP));
        Assert.True(FeatureProbe.HasProgramType(BpfProgType.TRACEPOINT));
        Assert.True(FeatureProbe.HasProgramType(BpfProgType.CGROUP_SOCK_ADDR));
    }

    /// <summary>libbpf (through bpftool) is the oracle: every type both know must get the same answer.</summary>
    [KernelFact]
    public void Probes_agree_with_libbpf()
    {
        var output = ExternalTool.Run("bpftool", "feature probe kernel");
        var compared = 0;
        var disagreements = new List<string>();
        foreach (var line in output.Split('\n'))
        {
            var m = System.Text.RegularExpressions.Regex.Match(line, @"^eBPF (program_type|map_type) (\w+) is (NOT )?available");
            if (!m.Success)
                continue;
            var name = m.Groups[2].Value.ToUpperInvariant();
            var libbpf = !m.Groups[3].Success;
            bool? ours = m.Groups[1].Value == "map_type"
                ? Enum.TryParse<BpfMapType>(name, out var mapType) ? FeatureProbe.HasMapType(mapType) : null
                : Enum.TryParse<BpfProgType>(name, out var progType) ? FeatureProbe.HasProgramType(progType) : null;
            if (ours is null)
                continue;
            compared++;
            if (ours != libbpf)
                disagreements.Add($"{m.Groups[1].Value} {name}: libbpf {libbpf}, ManagedBpf {ours}");
        }
        Assert.True(compared > 50, $"only {compared} types compared");
        Assert.True(disagreements.Count == 0, string.Join('\n', disagreements));
    }

    [KernelFact]
    public void Bpf_link_and_pmus_are_probed()
    {
        if (KernelInfo.Release >= new Version(5, 7))
            Assert.True(FeatureProbe.HasBpfLink);
        Assert.Equal(Directory.Exists("/sys/bus/event_source/devices/uprobe"), FeatureProbe.PmuType("uprobe") is not null);
        Assert.Equal(Directory.Exists("/sys/bus/event_source/devices/kprobe"), FeatureProbe.PmuType("kprobe") is not null);
        Assert.Null(FeatureProbe.PmuType("no-such-pmu"));
    }
}
