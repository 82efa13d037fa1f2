using ManagedBpf.Programs;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Loader.Tests;

/// <summary>
/// The warning for a constant perf sample size above 65,516 bytes (perf_event_header.size is a u16): raised
/// only where straight-line code proves the size, never for a size it cannot prove.
/// </summary>
public sealed class PerfOutputSizeCheckTests
{
    private const byte Mov64Imm = 0xb7, Mov32Imm = 0xb4, Mov64Reg = 0xbf, Add64Imm = 0x07, Ldx32 = 0x61, Jeq = 0x15, Ja = 0x05;

    [Fact]
    public void The_fixture_warns_for_70000_bytes_only()
    {
        var spec = ObjectSpec.Open(Path.Combine(Fixtures.Directory, "perf_sizes.bpf.o"));
        var warning = Assert.Single(spec.Warnings);
        Assert.Equal((ObjectWarningKind.PerfSampleTooLarge, "emit_oversized"), (warning.Kind, warning.Program));
        Assert.Contains("70,000 bytes to bpf_perf_event_output", warning.Message);
        Assert.Contains("65,516", warning.Message);
        Assert.Same(warning, Assert.Single(spec.Program("emit_oversized").Warnings));
        Assert.Empty(spec.Program("emit_largest_safe").Warnings); // exactly the limit
        Assert.Empty(spec.Program("emit_variable").Warnings); // bounded by 70,000, but not constant
    }

    [Fact]
    public void No_other_fixture_warns() =>
        Assert.All(Fixtures.Names.Where(n => n != "perf_sizes.bpf.o"), n => Assert.Empty(ObjectSpec.Open(Path.Combine(Fixtures.Directory, n)).Warnings));

    [Theory]
    [InlineData(65_516u, false)]
    [InlineData(65_517u, true)]
    [InlineData(70_000u, true)]
    [InlineData(0xffff_ffffu, true)] // mov64 sign-extends -1: a huge size
    public void A_constant_moved_into_r5_is_checked_against_the_limit(uint size, bool warns)
    {
        var found = PerfOutputSizeCheck.Find([I(Mov64Imm, 5, 0, 0, (int)size), Call(25), Exit]);
        Assert.Equal(warns, found.Count == 1);
    }

    [Fact]
    public void A_constant_copied_through_other_registers_is_followed()
    {
        var found = PerfOutputSizeCheck.Find([I(Mov32Imm, 1, 0, 0, 70_000), I(Mov64Reg, 7, 1, 0, 0), I(Mov64Reg, 5, 7, 0, 0), Call(25), Exit]);
        Assert.Equal((3, "bpf_perf_event_output", 70_000ul), Assert.Single(found));
    }

    [Fact]
    public void A_64_bit_immediate_load_is_a_constant_and_skb_and_xdp_output_are_checked_too()
    {
        var ldImm64 = new BpfInstruction(BpfInstruction.LoadImm64, 5, 0, 0, 100_000);
        Assert.Equal("bpf_skb_output", Assert.Single(PerfOutputSizeCheck.Find([ldImm64, I(0, 0, 0, 0, 0), Call(111), Exit])).Helper);
        Assert.Equal("bpf_xdp_output", Assert.Single(PerfOutputSizeCheck.Find([ldImm64, I(0, 0, 0, 0, 0), Call(121), Exit])).Helper);
    }

    [Fact]
    public void Sizes_that_straight_line_code_does_not_prove_are_not_reported()
    {
        // Changed by arithmetic: not proved (no false alarm, even though 70,000 + 1 is above the limit).
        Assert.Empty(PerfOutputSizeCheck.Find([I(Mov64Imm, 5, 0, 0, 70_000), I(Add64Imm, 5, 0, 0, 1), Call(25), Exit]));
        // Loaded from memory.
        Assert.Empty(PerfOutputSizeCheck.Find([I(Mov64Imm, 5, 0, 0, 70_000), I(Ldx32, 5, 1, 0, 0), Call(25), Exit]));
        // Clobbered by an earlier call (R1–R5 are scratch).
        Assert.Empty(PerfOutputSizeCheck.Find([I(Mov64Imm, 5, 0, 0, 70_000), Call(1), Call(25), Exit]));
        // The call is a jump target: another path may reach it with another size.
        Assert.Empty(PerfOutputSizeCheck.Find([I(Jeq, 0, 0, 1, 0), I(Mov64Imm, 5, 0, 0, 70_000), Call(25), Exit]));
        // After an unconditional jump, nothing carries over.
        Assert.Empty(PerfOutputSizeCheck.Find([I(Mov64Imm, 5, 0, 0, 70_000), I(Ja, 0, 0, 0, 0), Call(25), Exit]));
        // A bpf-to-bpf call (src 1) with immediate 25 is no helper call.
        Assert.Empty(PerfOutputSizeCheck.Find([I(Mov64Imm, 5, 0, 0, 70_000), I(BpfInstruction.Call, 0, BpfInstruction.PseudoCall, 0, 25), Exit]));
    }

    [KernelFact]
    public void Loading_reports_the_warning_through_the_callback_and_still_loads()
    {
        var warnings = new List<ObjectWarning>();
        var spec = ObjectSpec.Open(Path.Combine(Fixtures.Directory, "perf_sizes.bpf.o"));
        using var collection = spec.Load(new CollectionOptions { OnWarning = warnings.Add });
        Assert.Equal("emit_oversized", Assert.Single(warnings).Program);
        Assert.Equal(3, collection.Programs.Count);
    }

    [KernelFact]
    public void A_program_that_does_not_load_reports_nothing()
    {
        var warnings = new List<ObjectWarning>();
        var spec = ObjectSpec.Open(Path.Combine(Fixtures.Directory, "perf_sizes.bpf.o"));
        spec.Program("emit_oversized").Autoload = false;
        using var collection = spec.Load(new CollectionOptions { OnWarning = warnings.Add });
        Assert.Empty(warnings);
    }

    private static BpfInstruction Exit => I(BpfInstruction.Exit, 0, 0, 0, 0);

    private static BpfInstruction Call(int helper) => I(BpfInstruction.Call, 0, 0, 0, helper);

    private static BpfInstruction I(byte opcode, byte dst, byte src, short offset, int immediate) => new(opcode, dst, src, offset, immediate);
}
