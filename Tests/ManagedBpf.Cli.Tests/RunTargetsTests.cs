using System.Text.Json;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Cli.Tests;

/// <summary>
/// <c>mbpf run</c> on <c>run_targets.bpf.o</c>: programs whose attach point comes from the command line (a perf_event
/// sampler, a bare uprobe and uretprobe) or that this kernel lacks (a tracepoint x86_64 does not have).
/// </summary>
public sealed class RunTargetsTests
{
    private static readonly string Object = Path.Combine(AppContext.BaseDirectory, "fixtures", "run_targets.bpf.o");

    [KernelFact]
    public void A_perf_event_program_samples_every_cpu_at_the_frequency_given()
    {
        var (code, output, error) = Mbpf.Run("run", Object, "--type", "target_event", "--sample-frequency", "200", "--count", "20", "--duration", "60");

        Assert.True(code == 0, error);
        var records = Records(output);
        Assert.Equal(20, records.Count);
        Assert.All(records, r => Assert.Equal("TARGET_SAMPLE", r.GetProperty("kind").GetString()));
        Assert.Contains("mbpf: not loaded: on_missing: the kernel has no tracepoint 'syscalls/sys_enter_sync_file_range2'", error);
        Assert.Contains("mbpf: not attached: on_call: section 'uprobe' names no binary and function: give --uprobe on_call=BINARY:FUNCTION", error);
        Assert.Contains("mbpf: 1 program(s) attached", error);
    }

    [KernelFact]
    public async Task A_bare_uprobe_attaches_where_the_command_line_says_in_the_process_it_names()
    {
        using var helper = ProbeHelper.Start();
        using var session = ToolSession.Mbpf("run", Object, "--type", "target_event", "--uprobe", $"{ProbeHelper.BinaryPath}:managedbpf_probe_target",
            "--pid", helper.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--count", "4", "--duration", "60");
        await session.WaitForError("streaming");
        helper.Run("call 2");

        Assert.True(await session.Exit() == 0, session.Error);
        var records = session.Output.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("value").Clone()).ToList();
        // managedbpf_probe_target(x) returns x + 1: entry with x, return with x + 1.
        Assert.Equal(["TARGET_CALL:0", "TARGET_RETURN:1", "TARGET_CALL:1", "TARGET_RETURN:2"],
            records.Select(r => $"{r.GetProperty("kind").GetString()}:{r.GetProperty("value").GetInt32()}"));
        Assert.All(records, r => Assert.Equal(helper.Pid, r.GetProperty("pid").GetInt32()));
        Assert.Contains("mbpf: 2 program(s) attached", session.Error);
    }

    [KernelFact]
    public void A_program_named_with_attach_must_attach()
    {
        var (code, output, error) = Mbpf.Run("run", Object, "--attach", "on_missing", "--duration", "5");

        Assert.NotEqual(0, code);
        Assert.Empty(output);
        Assert.Contains("sys_enter_sync_file_range2", error);
        Assert.DoesNotContain("   at ", error);
    }

    [KernelFact]
    public void With_nothing_to_attach_the_run_fails_and_says_what_to_give()
    {
        var (code, _, error) = Mbpf.Run("run", Object, "--duration", "5");

        Assert.NotEqual(0, code);
        Assert.Contains("No program of 'run_targets' could be attached", error);
        Assert.Contains("--sample-frequency HZ or --sample-period NS", error);
    }

    [Fact]
    public void A_type_clang_left_out_of_the_BTF_is_named_with_the_idiom_that_keeps_it()
    {
        var (code, output, error) = Mbpf.Run("run", Object, "--type", "hidden_event", "--duration", "5");

        Assert.NotEqual(0, code);
        Assert.Empty(output);
        Assert.Contains("No type named 'hidden_event'", error);
        Assert.Contains("`const struct hidden_event *unused_hidden_event __attribute__((unused));`", error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private static List<JsonElement> Records(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("value").Clone())];
}
