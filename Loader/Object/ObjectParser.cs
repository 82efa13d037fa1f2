using System.Runtime.InteropServices;
using ManagedBpf.Kernel;
using ManagedBpf.Loader.Btf;
using ManagedBpf.Loader.Elf;
using ManagedBpf.Maps;
using ManagedBpf.Programs;

namespace ManagedBpf.Loader;

/// <summary>Turns an ELF image into an <see cref="ObjectSpec"/>: libbpf's bpf_object__open, without the kernel.</summary>
internal static class ObjectParser
{
    private const int InstructionSize = 8;

    internal static ObjectSpec Parse(ReadOnlyMemory<byte> image, string name)
    {
        var elf = ElfFile.Parse(image);
        elf.EnsureBpfRelocatable();
        var symbols = elf.SymbolTable ?? throw new BpfObjectFormatException("The object has no symbol table (.symtab): it cannot be relocated.", null, null);
        var btf = elf.FindSection(".BTF") is { } btfSection ? BtfSpec.Parse(elf.GetSectionData(btfSection)) : null;
        var btfExt = btf is not null && elf.FindSection(".BTF.ext") is { } extSection ? BtfExt.Parse(elf.GetSectionData(extSection), btf) : null;

        var code = elf.Sections.Where(IsCode).ToDictionary(s => s.Index);
        foreach (var section in code.Values)
        {
            if (section.Size % InstructionSize != 0)
                throw new BpfObjectFormatException($"Code section size {section.Size} is not a multiple of 8.", section.Name, 0);
        }
        var text = elf.FindSection(".text") is { } t && code.ContainsKey(t.Index) ? t.Index : -1;

        var (programs, subprograms) = ReadFunctions(elf, symbols, code, text);
        var maps = new List<ObjectMap>();
        ReadBtfMaps(elf, symbols, btf, maps, programs);
        ReadLegacyMaps(elf, symbols, maps);
        var dataSections = ReadDataSections(elf, symbols, btf, name, maps);
        var kconfig = ReadKconfig(btf, symbols, maps);
        ObjectNames.RequireUnique(programs, maps);
        var relocations = ReadRelocations(elf, symbols, code, text, maps, dataSections, kconfig);

        return new ObjectSpec(name, elf, ReadLicense(elf), ReadVersion(elf), btf, btfExt, programs, text, subprograms, maps, dataSections, kconfig, relocations);
    }

    private static bool IsCode(ElfSection s) =>
        s.Type == ElfSectionType.PROGBITS && (s.Flags & ElfSectionFlags.EXECINSTR) != 0 && s.Size > 0;

    /// <summary>Global functions of program sections are programs; functions of .text are sub-programs.</summary>
    private static (List<ObjectProgram>, List<Subprogram>) ReadFunctions(ElfFile elf, ElfSymbolTable symbols, Dictionary<int, ElfSection> code, int text)
    {
        var programs = new List<ObjectProgram>();
        var subprograms = new List<Subprogram>();
        foreach (var symbol in symbols)
        {
            if (symbol.Type != ElfSymbolType.FUNC || !code.TryGetValue((int)symbol.SectionIndex, out var section))
                continue;
            if (symbol.Value % InstructionSize != 0 || symbol.Size % InstructionSize != 0 || symbol.Size == 0
                || symbol.Value > section.Size || symbol.Size > section.Size - symbol.Value)
            {
                throw new BpfObjectFormatException($"Function '{symbol.Name}' (offset {symbol.Value}, size {symbol.Size}) does not fit whole instructions of its section.", section.Name, (long)Math.Min(symbol.Value, long.MaxValue));
            }
            var start = (int)(symbol.Value / InstructionSize);
            if (section.Index == text)
            {
                subprograms.Add(new Subprogram(symbol.Name, start, (int)(symbol.Size / InstructionSize)));
                continue;
            }
            if (symbol.Binding == ElfSymbolBinding.LOCAL)
                throw new BpfObjectFormatException($"Program '{symbol.Name}' is static; entry programs must be global functions (as libbpf requires).", section.Name, (long)symbol.Value);
            var program = new ObjectProgram(symbol.Name, section.Name, section.Index, start, (int)(symbol.Size / InstructionSize), SectionTable.Resolve(section.Name));
            program.Warnings = PerfOutputSizeCheck.Check(program, MemoryMarshal.Cast<byte, BpfInstruction>(elf.GetSectionData(section).Span).Slice(program.Start, program.Count));
            programs.Add(program);
        }
        programs.Sort((a, b) => a.SectionIndex != b.SectionIndex ? a.SectionIndex.CompareTo(b.SectionIndex) : a.Start.CompareTo(b.Start));
        subprograms.Sort((a, b) => a.Start.CompareTo(b.Start));
        return (programs, subprograms);
    }

    private static void ReadBtfMaps(ElfFile elf, ElfSymbolTable symbols, BtfSpec? btf, List<ObjectMap> maps, List<ObjectProgram> programs)
    {
        if (elf.FindSection(".maps") is not { } section)
            return;
        if (btf is null || !btf.TryFindType(".maps", BtfKind.DATASEC, out var datasecId))
            throw new BpfObjectFormatException("BTF-defined maps need the object's BTF (.BTF with a .maps DATASEC); compile with -g.", ".maps", null);
        var values = new List<(ObjectMap Map, ulong Start, ulong End)>();
        foreach (var variable in ((BtfDatasec)btf.TypeById(datasecId)).Vars)
        {
            if (btf.TypeById(variable.TypeId) is not BtfVar var)
                throw new BpfObjectFormatException($".maps DATASEC entry {variable.TypeId} is not a VAR.", ".BTF", null);
            var mapName = btf.NameOf(variable.TypeId);
            var spec = BtfMapDefinition.Read(btf, var.TypeId, mapName, out var valuesOffset);
            // clang may leave DATASEC offsets zero; the symbol's value is where the definition is (libbpf uses it too).
            var offset0 = symbols.TryFind(mapName, out var symbol) && symbol.SectionIndex == section.Index
                ? symbol.Value
                : throw new BpfObjectFormatException($"Map '{mapName}' has no symbol in .maps.", ".maps", null);
            var map = new ObjectMap(spec, ObjectMapSource.Btf, ".maps", offset0);
            maps.Add(map);
            if (valuesOffset is { } offset)
                values.Add((map, offset0 + offset, offset0 + variable.Size));
        }
        // Initial values: relocations inside .maps point a values[] slot at a program or a map.
        foreach (var rel in RelocationSectionsFor(elf, section.Index).SelectMany(elf.GetRelocations))
        {
            var owner = values.FirstOrDefault(v => rel.Offset >= v.Start && rel.Offset < v.End && (rel.Offset - v.Start) % 8 == 0);
            if (owner.Map is null)
                throw new BpfObjectFormatException("A relocation in .maps points outside any map's 'values'.", ".maps", (long)Math.Min(rel.Offset, long.MaxValue));
            var slot = (uint)((rel.Offset - owner.Start) / 8);
            var target = symbols[(int)rel.SymbolIndex];
            // As libbpf's .maps relocations: a program array's slot names an entry program, a map-in-map's a map in .maps.
            var named = owner.Map.Spec.Type == BpfMapType.PROG_ARRAY
                ? programs.Any(p => p.Name == target.Name && p.SectionIndex == (int)target.SectionIndex)
                : target.SectionIndex == section.Index && maps.Any(m => m.Name == target.Name && m.Source == ObjectMapSource.Btf);
            if (!named)
                throw new BpfObjectFormatException($"Map '{owner.Map.Name}' slot {slot} names '{target.Name}', which is not {(owner.Map.Spec.Type == BpfMapType.PROG_ARRAY ? "an entry program" : "a map")} of this object.", ".maps", (long)Math.Min(rel.Offset, long.MaxValue));
            owner.Map.InitialValuesBuilder[slot] = target.Name;
        }
    }

    /// <summary>Legacy <c>struct bpf_map_def</c> maps: libbpf 1.x dropped them, but objects still carry them.</summary>
    private static void ReadLegacyMaps(ElfFile elf, ElfSymbolTable symbols, List<ObjectMap> maps)
    {
        if (elf.FindSection("maps") is not { } section)
            return;
        var defs = symbols.Where(s => s.SectionIndex == section.Index && s.Type is ElfSymbolType.OBJECT or ElfSymbolType.NOTYPE && s.Name.Length > 0)
            .OrderBy(s => s.Value).ToList();
        if (defs.Count == 0)
            return;
        var data = elf.GetSectionData(section).Span;
        var size = data.Length / defs.Count;
        if (size < 16 || data.Length % defs.Count != 0)
            throw new BpfObjectFormatException($"{defs.Count} map definitions do not divide the section's {data.Length} bytes into struct bpf_map_def records.", "maps", 0);
        foreach (var def in defs)
        {
            if (def.Value % (ulong)size != 0 || def.Value + (ulong)size > (ulong)data.Length)
                throw new BpfObjectFormatException($"Map '{def.Name}' is not at a record boundary.", "maps", (long)def.Value);
            var fields = MemoryMarshal.Cast<byte, uint>(data.Slice((int)def.Value, size));
            maps.Add(new ObjectMap(ObjectMapRules.RoundRingBuffer(new MapSpec
            {
                Name = def.Name,
                Type = (BpfMapType)fields[0],
                KeySize = fields[1],
                ValueSize = fields[2],
                MaxEntries = fields[3],
                Flags = fields.Length > 4 ? (MapFlags)fields[4] : MapFlags.None,
            }), ObjectMapSource.Legacy, "maps", def.Value));
        }
    }

    private static bool IsDataSection(ElfSection s) =>
        s.Type is ElfSectionType.PROGBITS or ElfSectionType.NOBITS
        && (s.Flags & ElfSectionFlags.EXECINSTR) == 0
        && (IsNamed(s.Name, ".data") || IsNamed(s.Name, ".rodata") || IsNamed(s.Name, ".bss"));

    private static bool IsNamed(string name, string prefix) =>
        name == prefix || (name.StartsWith(prefix, StringComparison.Ordinal) && name.Length > prefix.Length && name[prefix.Length] == '.');

    private static List<DataSection> ReadDataSections(ElfFile elf, ElfSymbolTable symbols, BtfSpec? btf, string objectName, List<ObjectMap> maps)
    {
        var sections = new List<DataSection>();
        foreach (var section in elf.Sections.Where(IsDataSection))
        {
            if (section.Size > int.MaxValue)
                throw new BpfObjectFormatException($"Data section of {section.Size} bytes is too large.", section.Name, 0);
            var size = (int)section.Size;
            var contents = section.Type == ElfSectionType.NOBITS ? null : elf.GetSectionData(section).ToArray();
            var datasec = btf is not null && btf.TryFindType(section.Name, BtfKind.DATASEC, out var id) ? id : 0u;
            var readOnly = IsNamed(section.Name, ".rodata");
            var spec = new MapSpec
            {
                Name = InternalMapName(objectName, section.Name),
                Type = BpfMapType.ARRAY,
                KeySize = 4,
                ValueSize = (uint)Math.Max(size, 1),
                MaxEntries = 1,
                Flags = (readOnly ? MapFlags.ReadOnlyProgram : MapFlags.None) | MapFlags.Mmapable,
                BtfValueTypeId = datasec,
            };
            var map = new ObjectMap(spec, ObjectMapSource.Data, section.Name, 0);
            maps.Add(map);
            var data = new DataSection(section.Name, contents, size, map);
            sections.Add(data);
            if (datasec != 0)
            {
                foreach (var v in DatasecLayout.Place(btf!, symbols, section, (BtfDatasec)btf!.TypeById(datasec)))
                {
                    var offset = v.Offset;
                    if (offset > (ulong)size || v.Size > (ulong)size - offset)
                        throw new BpfObjectFormatException($"Variable '{btf.NameOf(v.TypeId)}' ({v.Size} bytes at {offset}) lies outside its section.", section.Name, offset);
                    data.Add(new GlobalVariable(data, btf.NameOf(v.TypeId), offset, v.Size, btf.TypeById(v.TypeId) is BtfVar var ? var.TypeId : 0));
                }
            }
            else
            {
                foreach (var s in symbols.Where(s => s.SectionIndex == section.Index && s.Type == ElfSymbolType.OBJECT && s.Size > 0))
                {
                    if (s.Value > (ulong)size || s.Size > (ulong)size - s.Value)
                        throw new BpfObjectFormatException($"Variable '{s.Name}' lies outside its section.", section.Name, (long)s.Value);
                    data.Add(new GlobalVariable(data, s.Name, (uint)s.Value, (uint)s.Size, 0));
                }
            }
        }
        return sections;
    }

    /// <summary>The externs of the <c>.kconfig</c> DATASEC laid out as libbpf does, and the map that will hold their values.</summary>
    private static List<KconfigExtern> ReadKconfig(BtfSpec? btf, ElfSymbolTable symbols, List<ObjectMap> maps)
    {
        if (btf is null || !btf.TryFindType(".kconfig", BtfKind.DATASEC, out var id))
            return [];
        var externs = KconfigLayout.Build(btf, (BtfDatasec)btf.TypeById(id), symbols);
        maps.Add(new ObjectMap(new MapSpec
        {
            Name = ".kconfig",
            Type = BpfMapType.ARRAY,
            KeySize = 4,
            ValueSize = KconfigLayout.Size(externs),
            MaxEntries = 1,
            Flags = MapFlags.ReadOnlyProgram | MapFlags.Mmapable,
            BtfValueTypeId = id,
        }, ObjectMapSource.Kconfig, ".kconfig", 0));
        return externs;
    }

    private static Dictionary<int, List<CodeRelocation>> ReadRelocations(
        ElfFile elf, ElfSymbolTable symbols, Dictionary<int, ElfSection> code, int text, List<ObjectMap> maps, List<DataSection> data, List<KconfigExtern> kconfig)
    {
        var result = new Dictionary<int, List<CodeRelocation>>();
        var targets = new RelocationTargets(maps, data, kconfig);
        foreach (var (index, section) in code)
        {
            var insns = MemoryMarshal.Cast<byte, BpfInstruction>(elf.GetSectionData(section).Span);
            var list = new List<CodeRelocation>();
            foreach (var rel in RelocationSectionsFor(elf, index).SelectMany(elf.GetRelocations))
            {
                if (rel.Offset % InstructionSize != 0 || rel.Offset / InstructionSize >= (ulong)insns.Length)
                    throw new BpfObjectFormatException("A relocation does not point at an instruction.", section.Name, (long)Math.Min(rel.Offset, long.MaxValue));
                var at = (int)(rel.Offset / InstructionSize);
                var symbol = symbols[(int)rel.SymbolIndex];
                list.Add(Classify(elf, section, insns, at, symbol, text, targets));
            }
            list.Sort((a, b) => a.Instruction.CompareTo(b.Instruction));
            result[index] = list;
        }
        return result;
    }

    /// <summary>What a relocation can name, indexed once per object rather than searched once per relocation.</summary>
    private sealed class RelocationTargets
    {
        internal RelocationTargets(List<ObjectMap> maps, List<DataSection> data, List<KconfigExtern> kconfig)
        {
            foreach (var map in maps)
                MapsAt.TryAdd((map.SectionName, map.SectionOffset), map); // the first map at an offset, as a linear search finds
            DataSections = [.. data.Select(d => d.Name)];
            KconfigNames = [.. kconfig.Select(k => k.Name)];
        }

        internal Dictionary<(string Section, ulong Offset), ObjectMap> MapsAt { get; } = [];

        internal HashSet<string> DataSections { get; }

        internal HashSet<string> KconfigNames { get; }
    }

    private static CodeRelocation Classify(ElfFile elf, ElfSection section, ReadOnlySpan<BpfInstruction> insns, int at, ElfSymbol symbol, int text, RelocationTargets targets)
    {
        var insn = insns[at];
        BpfObjectFormatException Bad(string problem) => new($"Instruction {at} ({insn}): {problem} (symbol '{symbol.Name}').", section.Name, at * InstructionSize);

        if (insn.Opcode == BpfInstruction.Call)
        {
            if (symbol.SectionIndex == 0)
                return new(at, CodeRelocationKind.Ksym, symbol.Name, 0);
            if (insn.Src != BpfInstruction.PseudoCall || (int)symbol.SectionIndex != text)
                throw Bad("a call relocation must name a sub-program in .text");
            return new(at, CodeRelocationKind.Call, symbol.Name, symbol.Value);
        }
        if (!insn.IsLoadImm64 || at + 1 >= insns.Length)
            throw Bad("only calls and 64-bit immediate loads can be relocated");
        // A callback's address: clang marks it BPF_PSEUDO_FUNC, or (older clang) leaves src 0 with a .text symbol.
        if (insn.Src == BpfInstruction.PseudoFunc || (symbol.SectionIndex != 0 && (int)symbol.SectionIndex == text))
        {
            if ((int)symbol.SectionIndex != text)
                throw Bad("a callback must be a sub-program in .text");
            if (symbol.Value % InstructionSize != 0 || insn.Immediate % InstructionSize != 0)
                throw Bad("a callback address must be a whole instruction offset");
            return new(at, CodeRelocationKind.SubprogramAddress, symbol.Name, symbol.Value);
        }
        if (symbol.SectionIndex == 0)
            return new(at, targets.KconfigNames.Contains(symbol.Name) ? CodeRelocationKind.Kconfig : CodeRelocationKind.Ksym, symbol.Name, 0);
        if (symbol.SectionIndex >= elf.Sections.Count)
            throw Bad("the symbol's section does not exist");
        var target = elf.Sections[(int)symbol.SectionIndex];
        if (target.Name is ".maps" or "maps")
        {
            if (!targets.MapsAt.TryGetValue((target.Name, symbol.Value), out var map))
                throw Bad("no map is defined at the symbol's offset");
            return new(at, CodeRelocationKind.Map, map.Name, 0);
        }
        if (targets.DataSections.Contains(target.Name))
            return new(at, CodeRelocationKind.Data, target.Name, symbol.Value);
        throw Bad($"relocation against section '{target.Name}' is not supported");
    }

    private static IEnumerable<ElfSection> RelocationSectionsFor(ElfFile elf, int target) =>
        elf.Sections.Where(s => s.Type is ElfSectionType.REL && s.Info == (uint)target);

    private static string ReadLicense(ElfFile elf)
    {
        if (elf.FindSection("license") is not { } section)
            return "";
        var bytes = elf.GetSectionData(section).Span;
        var end = bytes.IndexOf((byte)0);
        return System.Text.Encoding.ASCII.GetString(end < 0 ? bytes : bytes[..end]);
    }

    private static uint ReadVersion(ElfFile elf) =>
        elf.FindSection("version") is { } section && elf.GetSectionData(section).Span is { Length: 4 } bytes
            ? MemoryMarshal.Read<uint>(bytes)
            : 0;

    /// <summary>libbpf's internal_map_name: an object-name prefix, then the section name, within 15 characters.</summary>
    internal static string InternalMapName(string objectName, string section)
    {
        var suffix = Math.Max(7, section.Length);
        var prefix = Math.Max(0, Math.Min(BpfObjectName.Capacity - suffix - 1, objectName.Length));
        var name = objectName[..prefix] + section[..Math.Min(section.Length, suffix)];
        return name.Length > BpfObjectName.Capacity - 1 ? name[..(BpfObjectName.Capacity - 1)] : name;
    }
}
