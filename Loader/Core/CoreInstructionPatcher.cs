using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using ManagedBpf.Programs;

namespace ManagedBpf.Loader.Core;

/// <summary>
/// libbpf's <c>bpf_core_patch_insn</c>: writes a resolved relocation into its instruction, after checking that the
/// instruction holds what the local BTF predicts. Three forms carry a relocation:
/// <c>rX = imm</c> / <c>rX op= imm</c> (ALU, ALU64 with an immediate source: the immediate),
/// <c>rX = *(T *)(rY + off)</c>, <c>*(T *)(rX + off) = rY</c> or <c>= imm</c> (LDX, STX, ST: the offset, and for a
/// field whose size changed, the access size), and <c>rX = imm64</c> (LD_IMM64: both halves of the immediate).
/// </summary>
internal static class CoreInstructionPatcher
{
    /// <summary>The immediate of the invalid helper call a poisoned instruction becomes: 0xbad2310, "bad relo".</summary>
    public const int PoisonHelperId = 0xbad2310;

    private const byte ClassMask = 0x07;
    private const byte ClassLd = 0x00, ClassLdx = 0x01, ClassSt = 0x02, ClassStx = 0x03, ClassAlu = 0x04, ClassAlu64 = 0x07;
    private const byte SourceMask = 0x08; // BPF_X; BPF_K is 0
    private const byte SizeMask = 0x18;
    private const byte SizeW = 0x00, SizeH = 0x08, SizeB = 0x10, SizeDw = 0x18;

    /// <summary>Patches <paramref name="instructions"/>[<paramref name="index"/>] (and its second half for LD_IMM64).</summary>
    /// <returns>The value the instruction held before patching, or null when it was poisoned.</returns>
    public static ulong? Patch(CoreReloContext context, Span<BpfInstruction> instructions, int index, CoreReloRes res)
    {
        ref var insn = ref instructions[index];
        if (res.Poison)
        {
            Poison(context, instructions, index);
            return null;
        }

        var newVal = res.NewVal;
        switch (insn.Opcode & ClassMask)
        {
            case ClassAlu or ClassAlu64:
                if ((insn.Opcode & SourceMask) != 0)
                {
                    Fail(context, $"insn #{index} (ALU/ALU64) has a register source, not an immediate");
                }

                // The immediate is an s32 compared as a sign-extended u64, as libbpf compares insn->imm with orig_val.
                var imm = (ulong)(long)insn.Immediate;
                if (res.Validate && imm != res.OrigVal)
                {
                    Fail(context, $"unexpected insn #{index} (ALU/ALU64) value: got {insn.Immediate}, exp {res.OrigVal} -> {newVal}");
                }

                insn.Immediate = unchecked((int)newVal);
                return imm;

            case ClassLdx or ClassSt or ClassStx:
                var off = (ulong)(long)insn.Offset;
                if (res.Validate && off != res.OrigVal)
                {
                    Fail(context, $"unexpected insn #{index} (LDX/ST/STX) value: got {insn.Offset}, exp {res.OrigVal} -> {newVal}");
                }

                if (newVal > (ulong)short.MaxValue)
                {
                    Fail(context, $"insn #{index} (LDX/ST/STX) value too big: {newVal} does not fit the 16-bit offset");
                }

                if (res.FailMemSizeAdjust)
                {
                    res.Poison = true;
                    res.PoisonReason = string.Create(
                        CultureInfo.InvariantCulture,
                        $"the field's size changed from {res.OrigSize} to {res.NewSize} bytes and it is neither a pointer nor an unsigned integer, so the load/store cannot be resized");
                    Poison(context, instructions, index);
                    return null;
                }

                if (res.NewSize != res.OrigSize)
                {
                    var insnSize = BytesOf(insn.Opcode);
                    if (insnSize != res.OrigSize)
                    {
                        Fail(context, $"insn #{index} (LDX/ST/STX) unexpected mem size: got {insnSize}, exp {res.OrigSize}");
                    }

                    if (SizeCode(res.NewSize) is not { } newSizeCode)
                    {
                        Fail(context, $"insn #{index} (LDX/ST/STX) invalid new mem size: {res.NewSize}");
                        return null;
                    }

                    insn.Opcode = (byte)((insn.Opcode & ~SizeMask) | newSizeCode);
                }

                insn.Offset = (short)newVal;
                return off;

            case ClassLd:
                if (!insn.IsLoadImm64 || index + 1 >= instructions.Length || insn.Src != 0 || insn.Offset != 0
                    || instructions[index + 1] is not { Opcode: 0, Dst: 0, Src: 0, Offset: 0 })
                {
                    Fail(context, $"insn #{index} (LDIMM64) has unexpected form");
                }

                ref var high = ref instructions[index + 1];
                var imm64 = (uint)insn.Immediate | ((ulong)(uint)high.Immediate << 32);
                if (res.Validate && imm64 != res.OrigVal)
                {
                    Fail(context, $"unexpected insn #{index} (LDIMM64) value: got {imm64}, exp {res.OrigVal} -> {newVal}");
                }

                insn.Immediate = unchecked((int)newVal);
                high.Immediate = unchecked((int)(newVal >> 32));
                return imm64;

            default:
                Fail(context, $"trying to relocate unrecognized insn #{index}, code:0x{insn.Opcode:x}, src:0x{insn.Src:x}, dst:0x{insn.Dst:x}, off:0x{insn.Offset:x}, imm:0x{insn.Immediate:x}");
                return null;
        }
    }

    /// <summary>
    /// libbpf's <c>bpf_core_poison_insn</c>: <c>call 0xbad2310</c>, which the verifier reports as
    /// <c>invalid func unknown#195896080</c> if (and only if) the instruction is reachable. Both halves of an LD_IMM64 are
    /// poisoned, so the verifier does not stop at the second half's opcode 0 first.
    /// </summary>
    public static void Poison(CoreReloContext context, Span<BpfInstruction> instructions, int index)
    {
        if (instructions[index].IsLoadImm64)
        {
            if (index + 1 >= instructions.Length)
            {
                Fail(context, $"insn #{index} (LDIMM64) is the last instruction, missing its second half");
            }

            instructions[index + 1] = PoisonInstruction;
        }

        instructions[index] = PoisonInstruction;
    }

    /// <summary>The instruction a failed relocation is replaced with.</summary>
    public static BpfInstruction PoisonInstruction => new(BpfInstruction.Call, 0, 0, 0, PoisonHelperId);

    private static uint BytesOf(byte opcode) => (opcode & SizeMask) switch
    {
        SizeDw => 8,
        SizeW => 4,
        SizeH => 2,
        _ => 1,
    };

    private static byte? SizeCode(uint bytes) => bytes switch
    {
        8 => SizeDw,
        4 => SizeW,
        2 => SizeH,
        1 => SizeB,
        _ => null,
    };

    [DoesNotReturn]
    private static void Fail(CoreReloContext context, FormattableString problem) => context.Fail(problem.ToString(CultureInfo.InvariantCulture));
}
