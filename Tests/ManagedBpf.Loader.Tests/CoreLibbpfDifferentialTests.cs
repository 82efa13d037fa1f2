using System.Globalization;
using System.Text.RegularExpressions;
using ManagedBpf.Loader.Btf;
using ManagedBpf.Loader.Tests.CoreSupport;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Loader.Tests;

/// <summary>
/// Differential test against libbpf: <c>bpftool -d prog loadall</c> logs, for every CO-RE relocation, the instruction it
/// patched with the value before and after, or that it poisoned it. Those are libbpf's CO-RE decisions before the kernel
/// sees the program (unlike <c>prog dump xlated</c>, which shows the verifier's rewrites and dead-code removal), so they
/// compare one for one with the relocator's results against the same kernel BTF.
/// </summary>
public sealed partial class CoreLibbpfDifferentialTests
{
    [GeneratedRegex(@"^libbpf: sec '(?<sec>[^']+)': found (?<n>\d+) CO-RE relocations$")]
    private static partial Regex SectionLine();

    [GeneratedRegex(@"^libbpf: prog '[^']+': relo #(?<relo>\d+): patched insn #(?<insn>\d+) \((?:ALU/ALU64|LDX/ST/STX|LDIMM64)\) (?:imm|off|imm64) (?<orig>\d+) -> (?<new>\d+)$")]
    private static partial Regex PatchedLine();

    [GeneratedRegex(@"^libbpf: prog '[^']+': relo #(?<relo>\d+): substituting insn #(?<insn>\d+) w/ invalid insn$")]
    private static partial Regex PoisonedLine();

    [LibbpfOracleFact]
    public void EveryRelocationMatchesLibbpfsDecision()
    {
        using var bpffs = new BpfFsDirectory();
        var pins = bpffs["core"];
        int exitCode;
        string output;
        try
        {
            (exitCode, output) = Bpftool.Run("-d", "prog", "loadall", Path.Combine(Fixtures.Directory, "core.bpf.o"), pins);
        }
        finally
        {
            // bpftool pins each program in a directory of its own; remove it before the bpffs directory goes.
            if (Directory.Exists(pins))
            {
                Directory.Delete(pins, recursive: true);
            }
        }

        var libbpf = ParseLog(output);
        Assert.True(libbpf.Count > 0, $"bpftool exited {exitCode} without CO-RE logs:\n{output}");

        var ours = CoreFixture.Apply("core.bpf.o", KernelBtf.Default);

        Assert.Equal(ours.Sections.Keys.Order(), libbpf.Keys.Order());
        foreach (var (section, decisions) in libbpf)
        {
            var results = ours.Sections[section].Results;
            Assert.Equal(results.Count, decisions.Count);
            for (var i = 0; i < results.Count; i++)
            {
                var r = results[i];
                var expected = decisions[i];
                var actual = r.Poisoned
                    ? (r.InstructionIndex, (ulong?)null, (ulong?)null)
                    : (r.InstructionIndex, r.InstructionValue, (ulong?)r.TargetValue);
                Assert.True(expected == actual, $"{section} relo #{i} ({r.Description}): libbpf {expected}, ours {actual}");
            }
        }
    }

    /// <summary>Per section, per relocation number: (instruction, value before, value after), values null when poisoned.</summary>
    private static Dictionary<string, List<(int Insn, ulong? Orig, ulong? New)>> ParseLog(string output)
    {
        var sections = new Dictionary<string, List<(int, ulong?, ulong?)>>(StringComparer.Ordinal);
        List<(int, ulong?, ulong?)>? current = null;
        foreach (var line in output.Split('\n'))
        {
            if (SectionLine().Match(line) is { Success: true } sec)
            {
                current = [];
                sections[sec.Groups["sec"].Value] = current;
            }
            else if (PatchedLine().Match(line) is { Success: true } patched)
            {
                Assert.Equal((ulong)current!.Count, Number(patched, "relo"));
                current.Add(((int)Number(patched, "insn"), Number(patched, "orig"), Number(patched, "new")));
            }
            else if (PoisonedLine().Match(line) is { Success: true } poisoned)
            {
                Assert.Equal((ulong)current!.Count, Number(poisoned, "relo"));
                current.Add(((int)Number(poisoned, "insn"), null, null));
            }
        }

        return sections;
    }

    private static ulong Number(Match match, string group) => ulong.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);
}
