using System.Text.Json;

namespace ManagedBpf.Cli.Tests;

public sealed class InspectTests
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "fixtures");

    [Fact]
    public void A_directory_is_said_to_be_a_directory()
    {
        var directory = Directory.CreateTempSubdirectory("mbpf-inspect-").FullName;
        try
        {
            var (code, _, error) = Mbpf.Run("inspect", directory);
            Assert.Equal(1, code);
            Assert.Contains("is a directory", error);
            Assert.DoesNotContain("denied", error);
        }
        finally
        {
            Directory.Delete(directory);
        }
    }

    [Fact]
    public void Json_shows_the_expected_attach_type_only_where_the_section_sets_one()
    {
        var tracing = Programs(Inspect("tracing.bpf.o"));
        Assert.False(tracing["tracepoint_execve"].TryGetProperty("expected_attach_type", out _)); // 0 here is "none", not CGROUP_INET_INGRESS
        Assert.Equal("TRACE_RAW_TP", tracing["tp_btf_switch"].GetProperty("expected_attach_type").GetString());
        var net = Programs(Inspect("net.bpf.o"));
        Assert.Equal("CGROUP_INET_INGRESS", net.Values.Single(p => p.GetProperty("section").GetString() == "cgroup_skb/ingress").GetProperty("expected_attach_type").GetString());
    }

    [Fact]
    public void Text_shows_the_expected_attach_type_only_where_the_section_sets_one()
    {
        var (code, output, error) = Mbpf.Run("inspect", Path.Combine(Fixtures, "net.bpf.o"));
        Assert.True(code == 0, error);
        var programs = output[(output.IndexOf("\nprograms\n", StringComparison.Ordinal) + 10)..].Split("\n\n")[0].Split('\n');
        Assert.Contains("attach CGROUP_INET_INGRESS", programs.Single(l => l.Contains(" cgroup_skb/ingress ", StringComparison.Ordinal)));
        Assert.DoesNotContain("attach", programs.Single(l => l.Contains(" socket ", StringComparison.Ordinal)));
        Assert.Contains("attach XDP", programs.Single(l => l.Contains(" xdp ", StringComparison.Ordinal)));
    }

    [Fact]
    public void An_oversized_constant_perf_sample_is_a_warning_in_text_and_json()
    {
        var json = Inspect("perf_sizes.bpf.o");
        var warning = Assert.Single(json.GetProperty("warnings").EnumerateArray());
        Assert.Equal("emit_oversized", warning.GetProperty("program").GetString());
        Assert.Equal("PerfSampleTooLarge", warning.GetProperty("kind").GetString());
        Assert.Contains("65,516", warning.GetProperty("message").GetString());
        Assert.Empty(Inspect("exec_trace.bpf.o").GetProperty("warnings").EnumerateArray());

        var (code, output, error) = Mbpf.Run("inspect", Path.Combine(Fixtures, "perf_sizes.bpf.o"));
        Assert.True(code == 0, error);
        var text = output[output.IndexOf("\nwarnings\n", StringComparison.Ordinal)..];
        Assert.Contains("program 'emit_oversized'", text);
        Assert.Contains("70,000 bytes", text);
        Assert.DoesNotContain("emit_largest_safe", text);
        Assert.DoesNotContain("emit_variable", text);
    }

    private static JsonElement Inspect(string fixture)
    {
        var (code, output, error) = Mbpf.Run("inspect", Path.Combine(Fixtures, fixture), "--json");
        Assert.True(code == 0, error);
        return JsonDocument.Parse(output).RootElement;
    }

    private static Dictionary<string, JsonElement> Programs(JsonElement json) =>
        json.GetProperty("programs").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
}
