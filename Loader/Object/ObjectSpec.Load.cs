using System.Runtime.InteropServices;
using ManagedBpf.Kernel;
using ManagedBpf.Loader.Btf;
using ManagedBpf.Maps;
using ManagedBpf.Programs;

namespace ManagedBpf.Loader;

public sealed partial class ObjectSpec
{
    /// <summary>
    /// Loads the object as libbpf's bpf_object__load does: the BTF, then every map (reusing pinned ones,
    /// filling global data, freezing <c>.rodata</c> and kconfig), then every autoload program with
    /// CO-RE, sub-programs, map and data references resolved, then the initial values of program arrays
    /// and map-in-maps. On failure everything created so far is closed before the exception propagates.
    /// Before any program loads, each of its <see cref="ObjectProgram.Warnings"/> goes to
    /// <see cref="CollectionOptions.OnWarning"/>.
    /// </summary>
    /// <exception cref="BpfVerifierException">A program was refused; the log is attached and says which instruction failed.</exception>
    /// <exception cref="BpfAttachNotSupportedException">
    /// An fentry, fexit, fmod_ret, lsm or freplace program on a kernel without BPF trampolines: turn its
    /// <see cref="ObjectProgram.Autoload"/> off to load the rest.
    /// </exception>
    /// <exception cref="BpfSyscallException">A map or the BTF could not be created; the hint names the rule or privilege.</exception>
    /// <exception cref="MapIncompatibleException">A map pinned by name exists with other attributes: remove the pin, or change the definition to match it.</exception>
    /// <exception cref="BpfObjectFormatException">
    /// The object cannot be loaded as it is: bad references, a map definition the kernel's rules forbid, a
    /// kernel function, variable, attach target or kconfig option this kernel lacks, two programs or maps
    /// with one name, a program array slot naming a program whose <see cref="ObjectProgram.Autoload"/>
    /// is off, or a program to load whose section names no program type (checked before anything is
    /// created; the message names the section and the known names nearest to it: set the program's
    /// <see cref="ObjectProgram.Type"/> or turn its <see cref="ObjectProgram.Autoload"/> off). The message names
    /// the program, map or section.
    /// </exception>
    /// <exception cref="Core.CoreRelocationException">A CO-RE relocation cannot be applied (ambiguous candidates, unexpected instruction).</exception>
    /// <exception cref="IOException">The running kernel's BTF, needed for CO-RE or a BTF attach target, cannot be read (no <c>CONFIG_DEBUG_INFO_BTF</c>): pass <see cref="CollectionOptions.KernelBtf"/>.</exception>
    public Collection Load(CollectionOptions? options = null)
    {
        options ??= new CollectionOptions();
        SafeFdHandle? btf = null;
        var maps = new Dictionary<string, Map>(); // by DefinedName: what relocations and initial values name
        var programs = new Dictionary<string, Program>();
        // Checked before any descriptor exists: these depend on settings changed since parsing.
        ObjectNames.RequireUnique(Programs, Maps);
        RequireProgramTypes();
        RequireProgramArrayTargetsLoad();
        try
        {
            var sections = SectionInstructions();
            var coreResults = ApplyCoreRelocations(sections, options);
            var features = options.BtfFeatures ?? BtfFeatures.Current;
            btf = Btf is null ? null : ObjectBtf.Load(ObjectBtf.Prepare(this, features), Name);
            foreach (var objectMap in Maps)
                maps[objectMap.DefinedName] = CreateMap(objectMap, btf, options);

            var linker = new ObjectLinker(this, sections);
            var kernelBtf = new Lazy<BtfSpec>(() => options.KernelBtf ?? Loader.Btf.KernelBtf.Default);
            foreach (var program in Programs.Where(p => p.Autoload))
            {
                foreach (var warning in program.Warnings)
                    options.OnWarning?.Invoke(warning);
                var linked = linker.Link(program);
                Resolve(linked, maps, kernelBtf, program);
                // Without FUNC support the func_info and line_info would name types the kernel never saw: libbpf drops them too.
                var spec = ToSpec(program, linked, kernelBtf);
                if (!features.Func)
                    spec = spec with { FuncInfo = default, LineInfo = default };
                programs[program.Name] = ManagedBpf.Programs.Program.Load(spec, new ProgramLoadOptions { Btf = btf, LogLevel = options.LogLevel });
            }
            SetInitialValues(maps, programs);
            return new Collection(this, btf, Maps.ToDictionary(m => m.Name, m => maps[m.DefinedName]), programs, coreResults)
            {
                BpfCookie = options.BpfCookie ?? KconfigValues.KernelHasBpfCookie,
            };
        }
        catch
        {
            foreach (var program in programs.Values)
                program.Dispose();
            foreach (var map in maps.Values)
                map.Dispose();
            btf?.Dispose();
            throw;
        }
    }

    /// <summary>A private copy of every code section's instructions, for relocation.</summary>
    private Dictionary<int, BpfInstruction[]> SectionInstructions()
    {
        var result = new Dictionary<int, BpfInstruction[]>();
        foreach (var index in Programs.Select(p => p.SectionIndex).Append(TextSection).Where(i => i >= 0).Distinct())
            result[index] = MemoryMarshal.Cast<byte, BpfInstruction>(Elf.GetSectionData(Elf.Sections[index]).Span).ToArray();
        return result;
    }

    private Map CreateMap(ObjectMap objectMap, SafeFdHandle? btf, CollectionOptions options)
    {
        var spec = objectMap.Spec;
        if (!ObjectMapRules.TakesBtfKeyValue(spec.Type))
            spec = spec with { BtfKeyTypeId = 0, BtfValueTypeId = 0 };
        var create = new MapCreateOptions { Btf = btf, PinDirectory = options.PinDirectory };
        Map map;
        try
        {
            map = ManagedBpf.Maps.Map.Create(spec, create);
        }
        catch (BpfSyscallException) when (btf is not null && (spec.BtfKeyTypeId | spec.BtfValueTypeId) != 0)
        {
            // As libbpf: whatever the error, try once more without BTF key/value types (older kernels refuse them for
            // more types than the list above); if that fails too, its error is the one that matters.
            map = ManagedBpf.Maps.Map.Create(spec with { BtfKeyTypeId = 0, BtfValueTypeId = 0 }, create with { Btf = null });
        }
        catch (ArgumentOutOfRangeException e)
        {
            // The definition breaks a rule checked before the kernel is asked (a ring buffer's size).
            throw new BpfObjectFormatException($"Map '{objectMap.Name}' cannot be created as defined: {e.Message}", e);
        }
        try
        {
            switch (objectMap.Source)
            {
                case ObjectMapSource.Data:
                    var data = DataSections.First(d => d.Map == objectMap);
                    var value = new byte[map.ValueBufferSize];
                    data.Contents.CopyTo(value, 0);
                    map.Update(stackalloc byte[4], value);
                    if (data.IsReadOnly)
                        map.Freeze();
                    break;
                case ObjectMapSource.Kconfig:
                    map.Update(stackalloc byte[4], KconfigValues.Fill(Btf!, KconfigExterns, objectMap.Spec.ValueSize, KernelConfig.Current, options.BpfCookie ?? KconfigValues.KernelHasBpfCookie));
                    map.Freeze();
                    break;
            }
            return map;
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    /// <summary>Writes descriptors, data offsets and kernel BTF ids into the linked instructions.</summary>
    private void Resolve(LinkedProgram linked, Dictionary<string, Map> maps, Lazy<BtfSpec> kernelBtf, ObjectProgram program)
    {
        var insns = linked.Instructions;
        foreach (var (index, relocation) in linked.References)
        {
            ref var insn = ref insns[index];
            switch (relocation.Kind)
            {
                case CodeRelocationKind.Map:
                    insn.Src = BpfInstruction.PseudoMapFd;
                    insn.Immediate = maps[relocation.Target].Handle.Fd;
                    break;
                case CodeRelocationKind.Data:
                    insns[index + 1].Immediate = ValueOffset(program, relocation.Target, insn.Immediate, relocation.SymbolOffset);
                    insn.Src = BpfInstruction.PseudoMapValue;
                    insn.Immediate = maps[relocation.Target].Handle.Fd;
                    break;
                case CodeRelocationKind.Kconfig:
                    var extern_ = KconfigExterns.First(k => k.Name == relocation.Target);
                    insns[index + 1].Immediate = ValueOffset(program, relocation.Target, insn.Immediate, extern_.Offset);
                    insn.Src = BpfInstruction.PseudoMapValue;
                    insn.Immediate = maps[".kconfig"].Handle.Fd;
                    break;
                case CodeRelocationKind.Ksym:
                    ResolveKsym(ref insn, insns, index, relocation.Target, kernelBtf.Value, program);
                    break;
            }
        }
    }

    /// <summary>
    /// The offset into the map's value that the second half of a data or kconfig <c>ld_imm64</c> carries: the
    /// instruction's immediate plus the symbol's offset (libbpf adds them in C <c>int</c> arithmetic; the kernel reads the
    /// sum as a <c>u32</c> below the value size). A sum that is negative or does not fit in 32 bits can only come from a
    /// malformed object.
    /// </summary>
    private static int ValueOffset(ObjectProgram program, string target, int immediate, ulong symbolOffset)
    {
        var offset = symbolOffset <= int.MaxValue ? immediate + (long)symbolOffset : -1;
        return offset is >= 0 and <= int.MaxValue
            ? (int)offset
            : throw new BpfObjectFormatException(
                $"Program '{program.Name}' refers to '{target}' at immediate {immediate} from a symbol at offset {symbolOffset}: not an offset into its map's value.",
                program.SectionName, null);
    }

    /// <summary>A typed ksym: a kernel variable (ld_imm64 BPF_PSEUDO_BTF_ID) or function (kfunc call) by vmlinux BTF id.</summary>
    private static void ResolveKsym(ref BpfInstruction insn, BpfInstruction[] insns, int index, string name, BtfSpec kernel, ObjectProgram program)
    {
        if (insn.Opcode == BpfInstruction.Call)
        {
            insn.Src = BpfInstruction.PseudoKfuncCall;
            insn.Immediate = kernel.TryFindType(name, BtfKind.FUNC, out var func)
                ? (int)func
                : throw new BpfObjectFormatException($"Program '{program.Name}' calls kernel function '{name}', which this kernel's BTF does not have.", program.SectionName, null);
            insn.Offset = 0;
            return;
        }
        insn.Src = BpfInstruction.PseudoBtfId;
        insn.Immediate = kernel.TryFindType(name, BtfKind.VAR, out var var)
            ? (int)var
            : throw new BpfObjectFormatException($"Program '{program.Name}' uses kernel variable '{name}', which this kernel's BTF does not have.", program.SectionName, null);
        insns[index + 1].Immediate = 0;
    }

    private ProgramSpec ToSpec(ObjectProgram program, LinkedProgram linked, Lazy<BtfSpec> kernelBtf)
    {
        var flags = program.Section?.Definition.Flags ?? SectionFlags.None;
        return new ProgramSpec
        {
            Name = program.Name,
            SectionName = program.SectionName,
            Type = program.Type,
            ExpectedAttachType = program.ExpectedAttachType,
            AttachTarget = program.Section?.AttachTarget,
            AttachBtfId = (flags & SectionFlags.AttachBtf) != 0 ? AttachBtfId(program, kernelBtf.Value) : 0,
            Instructions = linked.Instructions,
            License = License,
            KernelVersion = KernelVersion,
            Flags = ((flags & SectionFlags.Sleepable) != 0 ? ProgramFlags.Sleepable : 0) | ((flags & SectionFlags.XdpFrags) != 0 ? ProgramFlags.XdpHasFrags : 0),
            FuncInfo = linked.FuncInfo,
            FuncInfoRecordSize = (uint)ObjectLinker.FuncInfoRecordSize,
            LineInfo = linked.LineInfo,
            LineInfoRecordSize = (uint)ObjectLinker.LineInfoRecordSize,
        };
    }

    /// <summary>The kernel BTF id an attach-by-BTF program names, with libbpf's prefixes (btf_trace_, bpf_lsm_, bpf_iter_).</summary>
    private static uint AttachBtfId(ObjectProgram program, BtfSpec kernel)
    {
        var target = program.Section?.AttachTarget
            ?? throw new BpfObjectFormatException($"Program '{program.Name}': section '{program.SectionName}' needs an attach target after '/'.", program.SectionName, null);
        var (name, kind) = KernelAttachTarget(program, target);
        return kernel.TryFindType(name, kind, out var id)
            ? id
            : throw new BpfObjectFormatException($"Program '{program.Name}': the kernel's BTF has no {kind} '{name}' to attach to.", program.SectionName, null);
    }

    /// <summary>
    /// Every program to load needs a type: libbpf fails the load with "missing BPF prog type, check ELF section
    /// name" for one whose section no row matches, unless its type was set or its autoload turned off.
    /// </summary>
    private void RequireProgramTypes()
    {
        if (Programs.FirstOrDefault(p => p.Autoload && p.Type == BpfProgType.UNSPEC) is not { } program)
            return;
        throw new BpfObjectFormatException(program.Section is null
            ? UnknownSectionMessage(program)
            : $"Program '{program.Name}' in section '{program.SectionName}' has its Type set to UNSPEC: set a program type, or turn its Autoload off.");
    }

    /// <summary>Names the section and the known names nearest to it, so that a typo or a newer libbpf's name is easy to see.</summary>
    private static string UnknownSectionMessage(ObjectProgram program)
    {
        var nearest = SectionTable.Nearest(program.SectionName);
        var guess = nearest.Count > 0 && SectionTable.IsLikelyMeant(program.SectionName, nearest[0]) ? $": did you mean '{nearest[0]}'?" : "";
        return $"Program '{program.Name}' is in section '{program.SectionName}', which names no program type{guess} (nearest known: {string.Join(", ", nearest)}).";
    }

    /// <summary>A program array slot can only be filled with a program that is loaded: libbpf fails the load too, later.</summary>
    private void RequireProgramArrayTargetsLoad()
    {
        foreach (var map in Maps.Where(m => m.Spec.Type == BpfMapType.PROG_ARRAY))
        {
            foreach (var (index, target) in map.InitialValues)
            {
                if (Programs.FirstOrDefault(p => p.Name == target) is not { Autoload: true })
                    throw new BpfObjectFormatException($"Map '{map.Name}' slot {index} names program '{target}', whose Autoload is off: turn it on, or the slot cannot be filled.", map.SectionName, null);
            }
        }
    }

    private void SetInitialValues(Dictionary<string, Map> maps, Dictionary<string, Program> programs)
    {
        foreach (var objectMap in Maps.Where(m => m.InitialValues.Count > 0))
        {
            var map = maps[objectMap.DefinedName];
            foreach (var (index, target) in objectMap.InitialValues)
                map.SetDescriptor(index, objectMap.Spec.Type == BpfMapType.PROG_ARRAY ? programs[target].Handle : maps[target].Handle);
        }
    }
}
