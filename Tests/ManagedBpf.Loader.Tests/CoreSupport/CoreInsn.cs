using System.Collections.Immutable;
using ManagedBpf.Loader.Btf;
using ManagedBpf.Programs;

namespace ManagedBpf.Loader.Tests.CoreSupport;

/// <summary>The instruction forms CO-RE relocations patch, encoded by hand (opcodes from linux/bpf_common.h).</summary>
internal static class CoreInsn
{
    public const byte AluAddK = 0x07;   // BPF_ALU64 | BPF_ADD | BPF_K: r1 += imm
    public const byte MovK = 0xb7;      // BPF_ALU64 | BPF_MOV | BPF_K: r1 = imm
    public const byte Alu32MovK = 0xb4; // BPF_ALU | BPF_MOV | BPF_K: w1 = imm
    public const byte AluAddX = 0x0f;   // BPF_ALU64 | BPF_ADD | BPF_X: r1 += r2
    public const byte LdxW = 0x61, LdxH = 0x69, LdxB = 0x71, LdxDw = 0x79; // BPF_LDX | BPF_MEM | size
    public const byte StW = 0x62;       // BPF_ST | BPF_MEM | BPF_W: *(u32 *)(r1 + off) = imm
    public const byte StxDw = 0x7b;     // BPF_STX | BPF_MEM | BPF_DW
    public const byte Ja = 0x05;        // BPF_JMP | BPF_JA

    public static BpfInstruction Alu(int imm) => new(AluAddK, 1, 0, 0, imm);

    public static BpfInstruction Mov(int imm) => new(MovK, 1, 0, 0, imm);

    public static BpfInstruction Ldx(byte opcode, short off) => new(opcode, 1, 2, off, 0);

    public static BpfInstruction[] LdImm64(ulong value) =>
        [new(BpfInstruction.LoadImm64, 1, 0, 0, unchecked((int)value)), new(0, 0, 0, 0, unchecked((int)(value >> 32)))];

    public static BpfInstruction Exit => new(BpfInstruction.Exit, 0, 0, 0, 0);

    public static BpfInstruction Poison => new(BpfInstruction.Call, 0, 0, 0, 0xbad2310);

    public static ulong Imm64(ReadOnlySpan<BpfInstruction> insns, int index) =>
        (uint)insns[index].Immediate | ((ulong)(uint)insns[index + 1].Immediate << 32);

    /// <summary>A CO-RE relocation record for instruction <paramref name="insn"/>.</summary>
    public static BpfCoreRelo Relo(int insn, uint typeId, BpfCoreReloKind kind, string access)
    {
        if (!BtfExt.TryParseAccessString(access, out var accessors))
        {
            accessors = ImmutableArray<int>.Empty;
        }

        return new BpfCoreRelo((uint)insn * 8, typeId, 0, kind, access, accessors);
    }
}
