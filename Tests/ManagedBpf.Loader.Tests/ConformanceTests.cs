using System.Text.Json;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Loader.Tests;

/// <summary>
/// libbpf is the oracle: every program of every fixture that libbpf loads is loaded by Debian's
/// <c>bpftool prog loadall</c> and by ManagedBpf, and the kernel's tags (a digest of the final
/// instructions, map descriptors blanked) must be identical.
/// </summary>
[Collection("libbpf conformance")]
public sealed class ConformanceTests
{
    public static TheoryData<string> LoadableByLibbpf => new() { "maps", "globals", "core", "tracing", "probes", "net", "producers", "btf_kinds", "ksyms", "exec_trace", "run_events", "btf_less_maps", "run_targets", "usdt_events" };

    [KernelTheory]
    [MemberData(nameof(LoadableByLibbpf))]
    public void Program_tags_match_libbpf(string fixture)
    {
        var path = Path.Combine(Fixtures.Directory, fixture + ".bpf.o");
        Kernel.KernelFileSystems.RequireBpfFs(); // bpftool pins LIBBPF_PIN_BY_NAME maps under /sys/fs/bpf
        using var dir = new BpfFsDirectory();
        // bpftool shows full names (from BTF); the kernel keeps 15 characters: compare on those.
        var expected = LoadWithBpftool(path, dir["libbpf"]).ToDictionary(p => Truncate(p.Key), p => p.Value);

        using var collection = ObjectSpec.Open(path).Load(new CollectionOptions { PinDirectory = dir.Path });
        var actual = collection.Programs.ToDictionary(p => Truncate(p.Key), p => p.Value.Tag);

        Assert.NotEmpty(expected);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, tag) in expected)
            Assert.True(tag == actual[name], $"{fixture}: program {name}: libbpf tag {tag}, ManagedBpf tag {actual[name]}");
    }

    /// <summary>Program name → tag, as libbpf loaded them.</summary>
    private static Dictionary<string, string> LoadWithBpftool(string obj, string pinDir)
    {
        try
        {
            ExternalTool.Run("bpftool", $"prog loadall {obj} {pinDir}");
            var tags = new Dictionary<string, string>();
            foreach (var pin in Directory.GetFiles(pinDir))
            {
                using var json = JsonDocument.Parse(ExternalTool.Run("bpftool", $"-j prog show pinned {pin}"));
                tags[json.RootElement.GetProperty("name").GetString()!] = json.RootElement.GetProperty("tag").GetString()!;
            }
            return tags;
        }
        finally
        {
            // bpftool pins LIBBPF_PIN_BY_NAME maps under its default root; leave nothing behind.
            foreach (var pinned in new[] { "/sys/fs/bpf/pinned_lru" })
                File.Delete(pinned);
        }
    }

    private static string Truncate(string name) => name.Length > 15 ? name[..15] : name;
}
