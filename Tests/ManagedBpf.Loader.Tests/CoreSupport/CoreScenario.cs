using ManagedBpf.Loader.Btf;
using ManagedBpf.Loader.Core;
using ManagedBpf.Programs;

namespace ManagedBpf.Loader.Tests.CoreSupport;

/// <summary>One relocation applied to one instruction: the result and the instructions after it.</summary>
internal static class CoreScenario
{
    public const string Section = "kprobe/test";

    public static (CoreRelocationResult Result, BpfInstruction[] Insns) Run(
        BtfSpec local, BtfSpec target, BpfCoreRelo relo, params BpfInstruction[] insns)
    {
        var relocator = new CoreRelocator(local, target);
        var results = relocator.Apply(Section, insns, [relo]);
        return (Assert.Single(results), insns);
    }

    /// <summary>Runs a relocation on an ALU immediate holding <paramref name="imm"/>, returning the result.</summary>
    public static CoreRelocationResult OnAlu(BtfSpec local, BtfSpec target, uint typeId, BpfCoreReloKind kind, string access, int imm) =>
        Run(local, target, CoreInsn.Relo(0, typeId, kind, access), CoreInsn.Alu(imm), CoreInsn.Exit).Result;

    public static CoreRelocationException Fails(BtfSpec local, BtfSpec target, BpfCoreRelo relo, params BpfInstruction[] insns)
    {
        var before = (BpfInstruction[])insns.Clone();
        var ex = Assert.Throws<CoreRelocationException>(() => new CoreRelocator(local, target).Apply(Section, insns, [relo]));
        Assert.Equal(before, insns); // a failed pass leaves the instructions as they were
        Assert.Equal(Section, ex.Section);
        Assert.Equal((long)relo.InsnIndex, ex.InstructionIndex);
        Assert.Equal(relo.Kind, ex.Kind);
        Assert.Equal(relo.AccessString ?? string.Empty, ex.AccessString);
        Assert.Contains($"'{Section}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"insn #{relo.InsnIndex}", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"\"{relo.AccessString}\"", ex.Message, StringComparison.Ordinal);
        return ex;
    }
}
