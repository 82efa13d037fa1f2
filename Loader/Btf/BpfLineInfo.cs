namespace ManagedBpf.Loader.Btf;

/// <summary>A <c>.BTF.ext</c> line_info record, <c>struct bpf_line_info</c>: the source line of an instruction.</summary>
/// <param name="InsnOff"><c>insn_off</c>: in <c>.BTF.ext</c>, a byte offset in the ELF section.</param>
/// <param name="FileNameOff"><c>file_name_off</c>: the source file name in <c>.BTF</c>'s strings.</param>
/// <param name="LineOff"><c>line_off</c>: the source line text in <c>.BTF</c>'s strings.</param>
/// <param name="LineCol"><c>line_col</c>: line number in the top 22 bits, column in the low 10.</param>
public readonly record struct BpfLineInfo(uint InsnOff, uint FileNameOff, uint LineOff, uint LineCol)
{
    /// <summary>The instruction index, <see cref="InsnOff"/> / 8.</summary>
    public uint InsnIndex => InsnOff / 8;

    /// <summary><c>BPF_LINE_INFO_LINE_NUM(line_col)</c>: <c>line_col &gt;&gt; 10</c>.</summary>
    public uint Line => LineCol >> 10;

    /// <summary><c>BPF_LINE_INFO_LINE_COL(line_col)</c>: <c>line_col &amp; 0x3ff</c>.</summary>
    public uint Column => LineCol & 0x3ff;
}
