using System.Runtime.InteropServices;

namespace ManagedBpf.Programs;

/// <summary>
/// <c>struct bpf_insn</c>: one 8-byte BPF instruction (opcode, dst and src registers in one byte, a signed
/// 16-bit offset and a signed 32-bit immediate). A 64-bit immediate load (<c>BPF_LD | BPF_IMM | BPF_DW</c>)
/// spans two instructions; the second holds the upper 32 bits in its immediate.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 8)]
public record struct BpfInstruction
{
    /// <summary><c>BPF_LD | BPF_IMM | BPF_DW</c>: the first half of a 64-bit immediate load.</summary>
    public const byte LoadImm64 = 0x18;

    /// <summary><c>BPF_JMP | BPF_CALL</c>.</summary>
    public const byte Call = 0x85;

    /// <summary><c>BPF_JMP | BPF_EXIT</c>.</summary>
    public const byte Exit = 0x95;

    /// <summary>src_reg of a call to a BPF-to-BPF function (immediate = relative instruction offset).</summary>
    public const byte PseudoCall = 1;

    /// <summary>src_reg of a call to a kernel function (immediate = BTF id).</summary>
    public const byte PseudoKfuncCall = 2;

    /// <summary>src_reg of a 64-bit load of a map by descriptor (BPF_PSEUDO_MAP_FD).</summary>
    public const byte PseudoMapFd = 1;

    /// <summary>src_reg of a 64-bit load of a map value address: descriptor plus offset (BPF_PSEUDO_MAP_VALUE).</summary>
    public const byte PseudoMapValue = 2;

    /// <summary>src_reg of a 64-bit load of a kernel symbol by BTF id (BPF_PSEUDO_BTF_ID).</summary>
    public const byte PseudoBtfId = 3;

    /// <summary>src_reg of a 64-bit load of a function address (BPF_PSEUDO_FUNC), for callbacks.</summary>
    public const byte PseudoFunc = 4;

    /// <summary>Creates an instruction.</summary>
    public BpfInstruction(byte opcode, byte dst, byte src, short offset, int immediate)
    {
        Opcode = opcode;
        Registers = (byte)((dst & 0xf) | (src << 4));
        Offset = offset;
        Immediate = immediate;
    }

    /// <summary>The opcode: class, size/source and operation bits.</summary>
    public byte Opcode { get; set; }

    /// <summary>dst_reg in the low nibble, src_reg in the high nibble (little-endian bitfield order).</summary>
    public byte Registers { get; set; }

    /// <summary>The signed 16-bit offset.</summary>
    public short Offset { get; set; }

    /// <summary>The signed 32-bit immediate.</summary>
    public int Immediate { get; set; }

    /// <summary>dst_reg.</summary>
    public byte Dst
    {
        readonly get => (byte)(Registers & 0xf);
        set => Registers = (byte)((Registers & 0xf0) | (value & 0xf));
    }

    /// <summary>src_reg (for loads and calls, the pseudo kind).</summary>
    public byte Src
    {
        readonly get => (byte)(Registers >> 4);
        set => Registers = (byte)((Registers & 0x0f) | (value << 4));
    }

    /// <summary>Whether this is the first half of a 64-bit immediate load.</summary>
    public readonly bool IsLoadImm64 => Opcode == LoadImm64;

    /// <summary>Whether this is a BPF-to-BPF call.</summary>
    public readonly bool IsPseudoCall => Opcode == Call && Src == PseudoCall;

    /// <inheritdoc/>
    public override readonly string ToString() => $"{Opcode:x2} dst=r{Dst} src={Src} off={Offset} imm={Immediate}";
}
