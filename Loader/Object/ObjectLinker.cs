using System.Buffers.Binary;
using ManagedBpf.Programs;

namespace ManagedBpf.Loader;

/// <summary>
/// Builds a program's final instructions the way libbpf's bpf_object__reloc_code does, so that both give
/// the kernel the same bytes (and so the same tag): the program's own instructions, then each .text
/// sub-program it reaches, appended depth-first at first use, with every call and callback immediate
/// rewritten relative to the new layout.
/// </summary>
internal sealed class ObjectLinker
{
    private const int FuncInfoSize = 8;
    private const int LineInfoSize = 16;

    private readonly ObjectSpec _object;
    private readonly IReadOnlyDictionary<int, BpfInstruction[]> _sections;
    private readonly Dictionary<int, Dictionary<int, CodeRelocation>> _relocations = [];

    /// <param name="obj">The object.</param>
    /// <param name="sections">Each code section's instructions, CO-RE relocations already applied.</param>
    internal ObjectLinker(ObjectSpec obj, IReadOnlyDictionary<int, BpfInstruction[]> sections)
    {
        _object = obj;
        _sections = sections;
        foreach (var index in sections.Keys)
            _relocations[index] = obj.RelocationsOf(index).ToDictionary(r => r.Instruction);
    }

    internal LinkedProgram Link(ObjectProgram program)
    {
        var state = new State();
        Emit(state, program.SectionIndex, program.SectionName, program.Start, program.Count, program.Name);
        return new LinkedProgram([.. state.Instructions], state.References, [.. state.FuncInfo], [.. state.LineInfo]);
    }

    private void Emit(State state, int section, string sectionName, int start, int count, string owner)
    {
        var at = state.Instructions.Count;
        state.Instructions.AddRange(_sections[section].AsSpan(start, count));
        CopyBtfExt(state, sectionName, start, count, at);
        var relocations = _relocations[section];
        for (var i = 0; i < count; i++)
        {
            var insn = state.Instructions[at + i];
            var isRelocated = relocations.TryGetValue(start + i, out var relocation);
            if (isRelocated && relocation.Kind is CodeRelocationKind.Map or CodeRelocationKind.Data or CodeRelocationKind.Kconfig or CodeRelocationKind.Ksym)
            {
                state.References.Add((at + i, relocation));
                continue;
            }
            var isCall = insn.Opcode == BpfInstruction.Call && insn.Src == BpfInstruction.PseudoCall;
            var isCallback = insn.IsLoadImm64 && (insn.Src == BpfInstruction.PseudoFunc || relocation.Kind == CodeRelocationKind.SubprogramAddress && isRelocated);
            if (!isCall && !isCallback)
                continue;

            // Where the callee starts in .text: a global function's call carries imm -1 against its symbol;
            // a static one's is relative to the section symbol; a callback's immediate is a byte offset.
            long target = !isRelocated
                ? (section == _object.TextSection ? start + i + (long)insn.Immediate + 1 : -1)
                : relocation.Kind == CodeRelocationKind.Call
                    ? (long)(relocation.SymbolOffset / 8) + insn.Immediate + 1
                    : ((long)relocation.SymbolOffset + insn.Immediate) / 8;
            var callee = _object.Subprograms.FirstOrDefault(s => target >= s.Start && target < s.Start + s.Count)
                ?? throw new BpfObjectFormatException($"Program '{owner}': instruction {start + i} calls instruction {target}, which is no sub-program of .text.", sectionName, (start + i) * 8L);
            if (!state.Appended.TryGetValue(callee, out var calleeAt))
            {
                state.Appended[callee] = calleeAt = state.Instructions.Count;
                Emit(state, _object.TextSection, ".text", callee.Start, callee.Count, owner);
            }
            insn.Immediate = checked((int)(calleeAt + (target - callee.Start) - (at + i) - 1));
            if (isCallback)
                insn.Src = BpfInstruction.PseudoFunc;
            state.Instructions[at + i] = insn;
        }
    }

    /// <summary>Copies the func_info and line_info records of [start, start+count) of a section, rebased to <paramref name="at"/>.</summary>
    private void CopyBtfExt(State state, string sectionName, int start, int count, int at)
    {
        if (_object.BtfExt is not { } ext)
            return;
        Span<byte> record = stackalloc byte[LineInfoSize];
        foreach (var info in ext.FuncInfo.For(sectionName))
        {
            if (info.InsnIndex < start || info.InsnIndex >= start + count)
                continue;
            BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)(at + info.InsnIndex - start));
            BinaryPrimitives.WriteUInt32LittleEndian(record[4..], info.TypeId);
            state.FuncInfo.AddRange(record[..FuncInfoSize]);
        }
        foreach (var info in ext.LineInfo.For(sectionName))
        {
            if (info.InsnIndex < start || info.InsnIndex >= start + count)
                continue;
            BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)(at + info.InsnIndex - start));
            BinaryPrimitives.WriteUInt32LittleEndian(record[4..], info.FileNameOff);
            BinaryPrimitives.WriteUInt32LittleEndian(record[8..], info.LineOff);
            BinaryPrimitives.WriteUInt32LittleEndian(record[12..], info.LineCol);
            state.LineInfo.AddRange(record);
        }
    }

    internal static int FuncInfoRecordSize => FuncInfoSize;

    internal static int LineInfoRecordSize => LineInfoSize;

    private sealed class State
    {
        internal List<BpfInstruction> Instructions { get; } = [];

        internal List<(int, CodeRelocation)> References { get; } = [];

        internal Dictionary<Subprogram, int> Appended { get; } = [];

        internal List<byte> FuncInfo { get; } = [];

        internal List<byte> LineInfo { get; } = [];
    }
}
