using ManagedBpf.Programs;

namespace ManagedBpf.Programs.Tests;

/// <summary>The few instructions tests assemble by hand.</summary>
internal static class Asm
{
    internal static BpfInstruction Mov64Imm(byte dst, int imm) => new(0xb7, dst, 0, 0, imm);

    internal static BpfInstruction Mov64Reg(byte dst, byte src) => new(0xbf, dst, src, 0, 0);

    internal static BpfInstruction Add64Imm(byte dst, int imm) => new(0x07, dst, 0, 0, imm);

    internal static BpfInstruction Exit() => new(BpfInstruction.Exit, 0, 0, 0, 0);

    internal static BpfInstruction CallHelper(int helper) => new(BpfInstruction.Call, 0, 0, 0, helper);

    /// <summary>*(u32 *)(dst + off) = imm.</summary>
    internal static BpfInstruction StoreWordImm(byte dst, short off, int imm) => new(0x62, dst, 0, off, imm);

    /// <summary>r{dst} = map (ld_imm64 with BPF_PSEUDO_MAP_FD): two slots.</summary>
    internal static BpfInstruction[] LoadMapFd(byte dst, int fd) =>
        [new(BpfInstruction.LoadImm64, dst, BpfInstruction.PseudoMapFd, 0, fd), new(0, 0, 0, 0, 0)];

    internal static ProgramSpec Spec(string name, Kernel.BpfProgType type, params BpfInstruction[] insns) =>
        new() { Name = name, Type = type, Instructions = insns, License = "GPL" };
}
