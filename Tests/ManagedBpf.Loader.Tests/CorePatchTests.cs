using ManagedBpf.Loader.Btf;
using ManagedBpf.Loader.Core;
using ManagedBpf.Loader.Tests.CoreSupport;
using ManagedBpf.Programs;
using static ManagedBpf.Loader.Tests.CoreSupport.CoreMembers;
using Kind = ManagedBpf.Loader.Btf.BpfCoreReloKind;

namespace ManagedBpf.Loader.Tests;

/// <summary>
/// Instruction patching and its checks (libbpf's <c>bpf_core_patch_insn</c>): the instruction must hold the value the
/// local BTF predicts and be of a form that can carry the relocation; failures name section, relocation, instruction,
/// kind and access string, and leave the instructions untouched.
/// </summary>
public sealed class CorePatchTests
{
    private static (BtfSpec Local, BtfSpec Target) Pair(string bType = "unsigned int", uint bSize = 4, uint bOffset = 96)
    {
        var lb = new CoreBtfBuilder();
        var li = lb.Int("int", 4, signed: true);
        var lu = lb.Int("unsigned int", 4);
        lb.Struct("foo", 8, M("a", li, 0), M("b", lu, 32));
        var tb = new CoreBtfBuilder();
        var ti = tb.Int("int", 4, signed: true);
        var tu = tb.Int(bType, bSize);
        tb.Struct("foo", 16, M("a", ti, 64), M("b", tu, bOffset));
        return (lb.Build(), tb.Build());
    }

    [Fact]
    public void AnAluImmediateThatIsNotTheLocalValueIsRejected()
    {
        var (local, target) = Pair();

        var ex = CoreScenario.Fails(local, target, CoreInsn.Relo(1, 3, Kind.FIELD_BYTE_OFFSET, "0:1"), CoreInsn.Mov(0), CoreInsn.Alu(5));

        Assert.Equal(
            "section 'kprobe/test': CO-RE relocation #0 <byte_off> (0) of [3] struct foo + \"0:1\" at insn #1: unexpected insn #1 (ALU/ALU64) value: got 5, exp 4 -> 12",
            ex.Message);
        Assert.Equal(0, ex.RelocationIndex);
    }

    [Fact]
    public void A32BitAluImmediateIsPatchedToo()
    {
        var (local, target) = Pair();
        var (result, insns) = CoreScenario.Run(local, target, CoreInsn.Relo(0, 3, Kind.FIELD_BYTE_OFFSET, "0:1"), new BpfInstruction(CoreInsn.Alu32MovK, 1, 0, 0, 4));

        Assert.Equal(12, insns[0].Immediate);
        Assert.Equal(4ul, result.InstructionValue);
    }

    [Fact]
    public void AnAluWithARegisterSourceIsRejected()
    {
        var (local, target) = Pair();

        var ex = CoreScenario.Fails(local, target, CoreInsn.Relo(0, 3, Kind.FIELD_BYTE_OFFSET, "0:1"), new BpfInstruction(CoreInsn.AluAddX, 1, 2, 0, 4));

        Assert.Contains("register source", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALoadOffsetThatIsNotTheLocalValueIsRejected()
    {
        var (local, target) = Pair();

        var ex = CoreScenario.Fails(local, target, CoreInsn.Relo(0, 3, Kind.FIELD_BYTE_OFFSET, "0:1"), CoreInsn.Ldx(CoreInsn.LdxW, 8));

        Assert.Contains("unexpected insn #0 (LDX/ST/STX) value: got 8, exp 4 -> 12", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AStoreImmediateHasItsOffsetPatched()
    {
        var (local, target) = Pair();
        var (_, insns) = CoreScenario.Run(local, target, CoreInsn.Relo(0, 3, Kind.FIELD_BYTE_OFFSET, "0:1"), new BpfInstruction(CoreInsn.StW, 1, 0, 4, 99));

        Assert.Equal((CoreInsn.StW, (short)12, 99), (insns[0].Opcode, insns[0].Offset, insns[0].Immediate));
    }

    [Fact]
    public void AnOffsetBeyondTheSixteenBitInstructionOffsetIsRejected()
    {
        var (local, target) = Pair(bOffset: 8 * 40000);

        var ex = CoreScenario.Fails(local, target, CoreInsn.Relo(0, 3, Kind.FIELD_BYTE_OFFSET, "0:1"), CoreInsn.Ldx(CoreInsn.LdxW, 4));

        Assert.Contains("value too big: 40000", ex.Message, StringComparison.Ordinal);

        // The same offset fits an ALU immediate.
        Assert.Equal(40000ul, CoreScenario.OnAlu(local, target, 3, Kind.FIELD_BYTE_OFFSET, "0:1", 4).TargetValue);
    }

    [Fact]
    public void ALoadWhoseSizeIsNotTheLocalFieldsCannotBeResized()
    {
        var (local, target) = Pair("unsigned long", 8);

        var ex = CoreScenario.Fails(local, target, CoreInsn.Relo(0, 3, Kind.FIELD_BYTE_OFFSET, "0:1"), CoreInsn.Ldx(CoreInsn.LdxH, 4));

        Assert.Contains("unexpected mem size: got 2, exp 4", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFieldThatGrewPastEightBytesCannotBeLoaded()
    {
        var (local, target) = Pair("unsigned __int128", 16);

        var ex = CoreScenario.Fails(local, target, CoreInsn.Relo(0, 3, Kind.FIELD_BYTE_OFFSET, "0:1"), CoreInsn.Ldx(CoreInsn.LdxW, 4));

        Assert.Contains("invalid new mem size: 16", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALoadImm64MustHaveTheCanonicalForm()
    {
        var (local, target) = Pair();
        var relo = CoreInsn.Relo(0, 3, Kind.FIELD_BYTE_OFFSET, "0:1");
        var pseudo = CoreInsn.LdImm64(4);
        pseudo[0].Src = BpfInstruction.PseudoMapFd;

        Assert.Contains("(LDIMM64) has unexpected form", CoreScenario.Fails(local, target, relo, pseudo).Message, StringComparison.Ordinal);
        Assert.Contains("(LDIMM64) has unexpected form", CoreScenario.Fails(local, target, relo, CoreInsn.LdImm64(4)[0]).Message, StringComparison.Ordinal);
        Assert.Contains("value: got 5, exp 4 -> 12", CoreScenario.Fails(local, target, relo, CoreInsn.LdImm64(5)).Message, StringComparison.Ordinal);

        var (_, insns) = CoreScenario.Run(local, target, relo, CoreInsn.LdImm64(4));
        Assert.Equal(CoreInsn.LdImm64(12), insns);
    }

    [Fact]
    public void JumpsAndOtherInstructionsCannotCarryARelocation()
    {
        var (local, target) = Pair();

        var ex = CoreScenario.Fails(local, target, CoreInsn.Relo(0, 3, Kind.FIELD_BYTE_OFFSET, "0:1"), new BpfInstruction(CoreInsn.Ja, 0, 0, 4, 0));

        Assert.Contains("trying to relocate unrecognized insn #0, code:0x5", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnyInstructionCanBePoisoned()
    {
        var (local, _) = Pair();
        var empty = new CoreBtfBuilder();
        empty.Int("int", 4);
        var (result, insns) = CoreScenario.Run(local, empty.Build(), CoreInsn.Relo(0, 3, Kind.FIELD_BYTE_OFFSET, "0:1"), new BpfInstruction(CoreInsn.Ja, 0, 0, 4, 0));

        Assert.True(result.Poisoned);
        Assert.Equal(CoreInsn.Poison, insns[0]);
    }

    [Fact]
    public void AnInstructionIndexOutsideTheSectionIsRejected()
    {
        var (local, target) = Pair();

        var ex = CoreScenario.Fails(local, target, CoreInsn.Relo(2, 3, Kind.FIELD_BYTE_OFFSET, "0:1"), CoreInsn.Alu(4));

        Assert.Contains("outside the section's 1 instructions", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFailureLeavesEarlierPatchesUnapplied()
    {
        var (local, target) = Pair();
        BpfInstruction[] insns = [CoreInsn.Alu(4), CoreInsn.Alu(99)];

        Assert.Throws<CoreRelocationException>(() => new CoreRelocator(local, target).Apply(
            "s", insns, [CoreInsn.Relo(0, 3, Kind.FIELD_BYTE_OFFSET, "0:1"), CoreInsn.Relo(1, 3, Kind.FIELD_BYTE_OFFSET, "0:1")]));

        Assert.Equal([CoreInsn.Alu(4), CoreInsn.Alu(99)], insns);
    }

    [Fact]
    public void ThePoisonInstructionIsTheOneLibbpfWrites()
    {
        var (local, _) = Pair();
        var empty = new CoreBtfBuilder();
        empty.Int("int", 4);
        var (_, insns) = CoreScenario.Run(local, empty.Build(), CoreInsn.Relo(0, 3, Kind.FIELD_BYTE_OFFSET, "0:1"), CoreInsn.Ldx(CoreInsn.LdxW, 4));

        // code = BPF_JMP | BPF_CALL, dst = src = off = 0, imm = 0xbad2310: the verifier says "invalid func unknown#195896080".
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(insns.AsSpan()).ToArray();
        Assert.Equal(new byte[] { 0x85, 0x00, 0x00, 0x00, 0x10, 0x23, 0xad, 0x0b }, bytes);
    }
}
