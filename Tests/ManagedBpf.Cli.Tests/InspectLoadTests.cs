using System.Text.Json;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Cli.Tests;

public sealed class InspectLoadTests
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "fixtures");

    [Fact]
    public void Inspect_needs_no_privileges_and_describes_the_object()
    {
        var (code, output, error) = Mbpf.Run("inspect", Path.Combine(Fixtures, "exec_trace.bpf.o"), "--json");
        Assert.True(code == 0, error);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal(["trace_enter_execve", "trace_exit_execve"], json.GetProperty("programs").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Contains(json.GetProperty("maps").EnumerateArray(), m => m.GetProperty("type").GetString() == "RINGBUF");
        Assert.True(json.GetProperty("core_relocations").GetInt32() > 0);
    }

    [Fact]
    public void A_malformed_object_is_a_clear_error_with_a_distinct_exit_code()
    {
        var bad = Path.GetTempFileName();
        File.WriteAllBytes(bad, new byte[100]);
        var (code, _, error) = Mbpf.Run("inspect", bad);
        File.Delete(bad);
        Assert.Equal(65, code);
        Assert.Contains("bad object", error);
    }

    [KernelFact]
    public void Load_json_prints_ids_and_tags()
    {
        var (code, output, error) = Mbpf.Run("load", Path.Combine(Fixtures, "net.bpf.o"), "--json");
        Assert.True(code == 0, error);
        var programs = JsonDocument.Parse(output).RootElement.GetProperty("programs").EnumerateArray().ToList();
        Assert.Equal(5, programs.Count);
        Assert.All(programs, p => Assert.Matches("^[0-9a-f]{16}$", p.GetProperty("tag").GetString()));
        Assert.All(programs, p => Assert.True(p.GetProperty("id").GetUInt32() > 0));
    }
}
