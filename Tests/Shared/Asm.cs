using ManagedBpf.Kernel;
using ManagedBpf.Programs;

namespace ManagedBpf.Tests.Shared;

/// <summary>The few BPF instructions tests assemble programs from; one source, linked into each test project that needs it.</summary>
internal static class Asm
{
    internal const byte R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5, R6 = 6, R7 = 7, R8 = 8, R9 = 9, R10 = 10;

    internal static BpfInstruction Mov64Imm(byte dst, int imm) => new(0xb7, dst, 0, 0, imm);

    /// <summary>w{dst} = imm: the upper half is zeroed, so -1 gives 0xffffffff (BPF_F_CURRENT_CPU).</summary>
    internal static BpfInstruction Mov32Imm(byte dst, int imm) => new(0xb4, dst, 0, 0, imm);

    internal static BpfInstruction Mov64Reg(byte dst, byte src) => new(0xbf, dst, src, 0, 0);

    internal static BpfInstruction Add64Imm(byte dst, int imm) => new(0x07, dst, 0, 0, imm);

    internal static BpfInstruction Add64Reg(byte dst, byte src) => new(0x0f, dst, src, 0, 0);

    internal static BpfInstruction Exit() => new(BpfInstruction.Exit, 0, 0, 0, 0);

    internal static BpfInstruction CallHelper(int helper) => new(BpfInstruction.Call, 0, 0, 0, helper);

    /// <summary>dst = *(u64 *)(src + off).</summary>
    internal static BpfInstruction LoadDw(byte dst, byte src, short off) => new(0x79, dst, src, off, 0);

    /// <summary>*(u64 *)(dst + off) = src.</summary>
    internal static BpfInstruction StoreDw(byte dst, short off, byte src) => new(0x7b, dst, src, off, 0);

    /// <summary>*(u64 *)(dst + off) = imm.</summary>
    /// <summary>*(u32 *)(dst + off) = imm.</summary>
    internal static BpfInstruction StoreWordImm(byte dst, short off, int imm) => new(0x62, dst, 0, off, imm);

    internal static BpfInstruction StoreDwImm(byte dst, short off, int imm) => new(0x7a, dst, 0, off, imm);

    /// <summary>if dst == imm goto +off.</summary>
    internal static BpfInstruction JumpIfEqual(byte dst, int imm, short off) => new(0x15, dst, 0, off, imm);

    /// <summary>if dst != imm goto +off.</summary>
    internal static BpfInstruction JumpIfNotEqual(byte dst, int imm, short off) => new(0x55, dst, 0, off, imm);

    /// <summary>r{dst} = map (ld_imm64 with BPF_PSEUDO_MAP_FD): two slots.</summary>
    internal static BpfInstruction[] LoadMapFd(byte dst, int fd) =>
        [new(BpfInstruction.LoadImm64, dst, BpfInstruction.PseudoMapFd, 0, fd), new(0, 0, 0, 0, 0)];

    /// <summary>r{dst} = &amp;value[offset] of a one-entry array (ld_imm64 with BPF_PSEUDO_MAP_VALUE): two slots.</summary>
    internal static BpfInstruction[] LoadMapValue(byte dst, int fd, int offset = 0) =>
        [new(BpfInstruction.LoadImm64, dst, BpfInstruction.PseudoMapValue, 0, fd), new(0, 0, 0, 0, offset)];

    /// <summary>r{dst} = the sub-program <paramref name="delta"/> instructions after the next slot (BPF_PSEUDO_FUNC): two slots.</summary>
    internal static BpfInstruction[] LoadFunction(byte dst, int delta) =>
        [new(BpfInstruction.LoadImm64, dst, BpfInstruction.PseudoFunc, 0, delta), new(0, 0, 0, 0, 0)];

    /// <summary>A spec; SYSCALL programs are always sleepable (the verifier refuses them otherwise).</summary>
    internal static ProgramSpec Spec(string name, BpfProgType type, params IEnumerable<BpfInstruction> insns) => new()
    {
        Name = name,
        Type = type,
        Instructions = [.. insns],
        License = "GPL",
        Flags = type == BpfProgType.SYSCALL ? ProgramFlags.Sleepable : ProgramFlags.None,
    };
}
