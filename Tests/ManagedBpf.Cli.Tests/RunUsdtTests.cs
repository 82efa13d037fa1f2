using System.Globalization;
using System.Text.Json;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Cli.Tests;

/// <summary>
/// <c>mbpf run</c> on <c>usdt_events.bpf.o</c>: its bare <c>usdt</c> program attaches to the probe <c>--usdt</c> names,
/// in the process <c>--pid</c> names, and its records come out decoded; <c>usdt_auto</c>, whose section names
/// <c>probe_helper</c> by a bare name not on this PATH, is skipped with the reason.
/// </summary>
public sealed class RunUsdtTests
{
    private static readonly string Object = Path.Combine(AppContext.BaseDirectory, "fixtures", "usdt_events.bpf.o");

    [KernelFact]
    public async Task A_bare_usdt_program_streams_every_argument_of_the_probe_the_command_line_names()
    {
        using var helper = ProbeHelper.Start();
        var pid = helper.Pid.ToString(CultureInfo.InvariantCulture);
        using var session = ToolSession.Mbpf("run", Object, "--type", "usdt_event", "--usdt", $"usdt_args={ProbeHelper.BinaryPath}:managedbpf:args",
            "--pid", pid, "--count", "3", "--duration", "60");
        await session.WaitForError("streaming");
        helper.Run("usdt 3");

        Assert.True(await session.Exit() == 0, session.Error);
        var records = session.Output.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("value").Clone()).ToList();
        Assert.Equal(3, records.Count);
        for (var v = 1; v <= 3; v++)
        {
            var r = records[v - 1];
            Assert.Equal(("USDT_PROGRAM_ARGS", helper.Pid, 6, 0ul), (r.GetProperty("program").GetString(), r.GetProperty("pid").GetInt32(), r.GetProperty("arg_cnt").GetInt32(), r.GetProperty("cookie").GetUInt64()));
            long[] expected = [-v, 60000 + v, -100000L * v, 0x123456789L + v, -42, unchecked((long)(0xfedcba9876543210UL ^ (ulong)v)), 0, 0, 0, 0, 0, 0];
            Assert.Equal(expected, r.GetProperty("args").EnumerateArray().Select(a => a.GetInt64()));
            Assert.Equal([0, 0, 0, 0, 0, 0, -2, -2, -2, -2, -2, -2], r.GetProperty("errors").EnumerateArray().Select(a => a.GetInt32()));
        }

        Assert.Contains("mbpf: not attached: usdt_auto: No executable 'probe_helper'", session.Error);
        Assert.Contains("mbpf: 1 program(s) attached", session.Error);
    }

    [KernelFact]
    public void Without_usdt_the_bare_program_says_what_to_give()
    {
        var (code, _, error) = Mbpf.Run("run", Object, "--duration", "5");

        Assert.NotEqual(0, code);
        Assert.Contains("mbpf: not attached: usdt_args: section 'usdt' names no binary and probe: give --usdt usdt_args=BINARY:PROVIDER:NAME (and --pid)", error);
        Assert.Contains("--usdt", error);
    }
}
