namespace ManagedBpf.Cli.Tests;

/// <summary>
/// Every option of every command, given a bad value: one line on stderr that names the option and its rule, nothing on
/// stdout, exit 1, and never a stack trace. Values are checked while the command line is parsed, so none of these
/// touch the kernel.
/// </summary>
public sealed class UsageErrorTests
{
    private static readonly string Object = Path.Combine(AppContext.BaseDirectory, "fixtures", "run_events.bpf.o");

    public static TheoryData<string, string> BadValues => new()
    {
        { "run OBJ --duration abc", "--duration 'abc': expected a number of seconds from 0" },
        { "run OBJ --duration -1", "--duration '-1'" },
        { "run OBJ --duration NaN", "--duration 'NaN'" },
        { "run OBJ --duration 1e400", "--duration '1e400'" },
        { "run OBJ --duration", "--duration" },
        { "run OBJ --count abc", "--count 'abc': expected a whole number from 0" },
        { "run OBJ --count -1", "--count '-1'" },
        { "run OBJ --count 1.5", "--count '1.5'" },
        { "run OBJ --count 99999999999999999999", "--count '99999999999999999999'" },
        { "run OBJ --ring", "--ring" },
        { "run OBJ --perf", "--perf" },
        { "run OBJ --type", "--type" },
        { "run OBJ --set", "--set" },
        { "run OBJ --attach", "--attach" },
        { "run OBJ --frob", "'--frob'" },
        { "run OBJ --sample-frequency fast", "--sample-frequency 'fast': expected a whole number from 0 to 1000000" },
        { "run OBJ --sample-frequency 1000001", "--sample-frequency '1000001'" },
        { "run OBJ --sample-period -1", "--sample-period '-1'" },
        { "run OBJ --sample-frequency 99 --sample-period 1000", "--sample-frequency and --sample-period: give one of them, not both" },
        { "run OBJ --uprobe /bin/true", "--uprobe '/bin/true': expected [PROGRAM=]BINARY:FUNCTION[+OFFSET] or [PROGRAM=]BINARY:0xOFFSET" },
        { "run OBJ --uprobe libc.so.6:malloc+x", "--uprobe 'libc.so.6:malloc+x'" },
        { "run OBJ --uprobe libc.so.6:0xzz", "--uprobe 'libc.so.6:0xzz'" },
        { "run OBJ --uprobe", "--uprobe" },
        { "run OBJ --usdt /bin/true", "--usdt '/bin/true': expected [PROGRAM=]BINARY:PROVIDER:NAME" },
        { "run OBJ --usdt libc.so.6:libc", "--usdt 'libc.so.6:libc'" },
        { "run OBJ --usdt p=libc.so.6::setjmp", "--usdt 'p=libc.so.6::setjmp'" },
        { "run OBJ --usdt libc.so.6:libc:setjmp:extra", "--usdt 'libc.so.6:libc:setjmp:extra'" },
        { "run OBJ --usdt", "--usdt" },
        { "run OBJ --pid -2", "--pid '-2': expected a whole number from -1" },
        { "run OBJ --pid me", "--pid 'me'" },
        { "run OBJ --max-entries events", "--max-entries 'events': expected MAP=N with N a whole number from 1" },
        { "run OBJ --max-entries events=0", "--max-entries 'events=0'" },
        { "run OBJ --max-entries =5", "--max-entries '=5'" },
        { "run", "'object'" },
        { "trace exec --duration abc", "--duration 'abc': expected a number of seconds from 0" },
        { "trace exec --duration -5", "--duration '-5'" },
        { "trace exec --via pipe", "'pipe'" },
        { "trace exec --via", "--via" },
        { "trace exec --ordered", "--ordered applies to --via perf" },
        { "trace exec --json yes", "'yes'" },
        { "inspect", "'object'" },
        { "inspect OBJ --json maybe", "'maybe'" },
        { "load", "'object'" },
        { "load OBJ --pin-root", "--pin-root" },
        { "features --json 2", "'2'" },
        { "bench drain --payload abc", "--payload 'abc': expected a whole number from 8 to 131072" },
        { "bench drain --payload 7", "--payload '7'" },
        { "bench drain --payload 131073", "--payload '131073'" },
        { "bench drain --records 0", "--records '0'" },
        { "bench drain --records -3", "--records '-3'" },
        { "bench drain --rounds 0", "--rounds '0': expected a whole number from 1" },
        { "bench drain --rounds x", "--rounds 'x'" },
        { "bench drain --via disk", "'disk'" },
        { "bench drain --buffer-size 100", "--buffer-size '100'" },
        { "bench drain --buffer-size 5000", "--buffer-size '5000': expected a power-of-two number of pages" },
        { "bench stream --buffer-size 12288", "--buffer-size '12288'" },
        { "bench stream --producers 0", "--producers '0'" },
        { "bench drain --consumer ordered", "--consumer ordered is a stream's" },
        { "bench stream --consumer ordered", "it needs --via perf" },
        { "bench drain --object", "--object" },
        { "bench stream --payload 1.5", "--payload '1.5'" },
        { "bench stream --records abc", "--records 'abc'" },
        { "bench stream --rounds", "'--rounds'" }, // drain only
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void A_bad_value_is_one_line_of_usage_error_and_exit_1(string commandLine, string expected)
    {
        var (exitCode, output, error) = Mbpf.Run([.. commandLine.Split(' ').Select(a => a == "OBJ" ? Object : a)]);

        Assert.True(exitCode == 1, $"exit {exitCode}: {error}");
        Assert.Empty(output);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line);
        Assert.StartsWith("mbpf ", line);
        Assert.EndsWith("--help')", line); // where the usage is
        Assert.DoesNotContain("Exception", line);
    }
}
