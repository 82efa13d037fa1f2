using System.Globalization;
using ManagedBpf.Programs;

namespace ManagedBpf.Loader;

/// <summary>
/// Finds calls that pass a perf-output helper a constant size too large for a perf sample. Proves only
/// what straight-line code shows: a constant moved or copied into R5 since the last jump target, call
/// or write to it; any other path leaves the size unknown, and an unknown size is never reported.
/// </summary>
internal static class PerfOutputSizeCheck
{
    // Helper ids from include/uapi/linux/bpf.h (___BPF_FUNC_MAPPER); each takes the size in R5.
    private static readonly Dictionary<int, string> Helpers = new()
    {
        [25] = "bpf_perf_event_output",
        [111] = "bpf_skb_output",
        [121] = "bpf_xdp_output",
    };

    private const int Registers = 16; // the 4-bit register fields; R0–R10 are the valid ones
    private const int Size = 5;

    internal static List<ObjectWarning> Check(ObjectProgram program, ReadOnlySpan<BpfInstruction> insns)
    {
        var warnings = new List<ObjectWarning>();
        foreach (var (at, helper, size) in Find(insns))
        {
            var message = string.Create(CultureInfo.InvariantCulture, $"passes a constant size of {size:N0} bytes to {helper}, above the {ObjectWarning.LargestPerfSampleSize:N0}-byte limit of a perf sample (its header.size is 16 bits): the kernel truncates the size and writes the payload over the records after it. Send it in pieces of at most that size, or through a BPF ring buffer.");
            warnings.Add(new ObjectWarning(ObjectWarningKind.PerfSampleTooLarge, program.Name, program.SectionName, at, message));
        }
        return warnings;
    }

    /// <summary>Each perf-output call whose R5 holds a known constant above the limit: (instruction, helper, size).</summary>
    internal static List<(int Instruction, string Helper, ulong Size)> Find(ReadOnlySpan<BpfInstruction> insns)
    {
        var found = new List<(int, string, ulong)>();
        var targets = JumpTargets(insns);
        var known = new ulong?[Registers];
        for (var i = 0; i < insns.Length; i++)
        {
            if (targets[i])
                Array.Clear(known); // reachable from elsewhere, with other values
            var insn = insns[i];
            var op = insn.Opcode;
            switch (op & 0x07)
            {
                case 0x00 when insn.IsLoadImm64: // ld_imm64: a plain constant only when src is 0 (else a map, BTF id or function)
                    known[insn.Dst] = insn.Src == 0 && i + 1 < insns.Length ? (uint)insn.Immediate | ((ulong)(uint)insns[i + 1].Immediate << 32) : null;
                    i++;
                    break;
                case 0x00: // legacy LD_ABS/LD_IND: writes R0 and clobbers R1–R5
                    Array.Clear(known, 0, Size + 1);
                    break;
                case 0x04 or 0x07: // ALU, ALU64
                    known[insn.Dst] = op switch
                    {
                        0xb7 when insn.Offset == 0 => (ulong)(long)insn.Immediate, // mov64 dst, imm (sign-extended)
                        0xb4 when insn.Offset == 0 => (uint)insn.Immediate, // mov32 dst, imm (zero-extended)
                        0xbf when insn.Offset == 0 => known[insn.Src], // mov64 dst, src (off != 0 is movsx)
                        0xbc when insn.Offset == 0 => known[insn.Src] is { } v ? (uint)v : null,
                        _ => null, // any other arithmetic: not worth proving
                    };
                    break;
                case 0x01: // LDX
                    known[insn.Dst] = null;
                    break;
                case 0x03 when (op & 0xe0) == 0xc0: // atomic: a fetch writes src, cmpxchg writes R0
                    known[insn.Src] = null;
                    known[0] = null;
                    break;
                case 0x05 when op == BpfInstruction.Call:
                    if (insn.Src == 0 && Helpers.TryGetValue(insn.Immediate, out var helper) && known[Size] is ulong size and > ObjectWarning.LargestPerfSampleSize)
                        found.Add((i, helper, size));
                    Array.Clear(known, 0, Size + 1); // R0 is the result, R1–R5 are scratch
                    break;
                case 0x05 or 0x06 when (op & 0xf0) is 0x00 or 0x90: // ja, gotol, exit: what follows is reached only by a jump
                    Array.Clear(known);
                    break;
            }
        }
        return found;
    }

    private static bool[] JumpTargets(ReadOnlySpan<BpfInstruction> insns)
    {
        var targets = new bool[insns.Length];
        for (var i = 0; i < insns.Length; i++)
        {
            var insn = insns[i];
            var kind = insn.Opcode & 0x07;
            if (insn.IsLoadImm64)
            {
                i++;
                continue;
            }
            if (kind is not (0x05 or 0x06) || insn.Opcode == BpfInstruction.Call || insn.Opcode == BpfInstruction.Exit)
                continue;
            // JMP32 | JA (gotol) jumps by its immediate; every other jump by its offset.
            var target = i + 1L + (insn.Opcode == 0x06 ? insn.Immediate : insn.Offset);
            if (target >= 0 && target < insns.Length)
                targets[target] = true;
        }
        return targets;
    }
}
