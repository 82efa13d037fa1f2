using ManagedBpf.Loader.Btf;
using ManagedBpf.Loader.Elf;

namespace ManagedBpf.Loader.Tests;

public sealed class BtfFixtureTests
{
    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void EncodingAParsedFixtureGivesBackTheSameBytes(string name)
    {
        var elf = Fixtures.Elf(name);
        var section = elf.GetSectionData(elf.FindSection(".BTF")!);

        var btf = BtfSpec.Parse(section);

        Assert.Equal(section.ToArray(), btf.Encode());
        Assert.Equal(section.ToArray(), BtfWriter.Write(btf.OwnTypes.ToList(), btf.Strings.Span, btf.Header.Flags));
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void FuncInfoNamesEveryFunctionSymbolAtItsInstruction(string name)
    {
        var (elf, btf, ext) = Fixtures.Open(name);
        var functions = elf.SymbolTable!.Where(s => s.Type == ElfSymbolType.FUNC).ToList();

        Assert.True(ext.FuncInfo.RecSize >= 8);
        Assert.Equal(functions.Count, ext.FuncInfo.Count);
        foreach (var section in ext.FuncInfo.Sections)
        {
            foreach (var info in section.Records)
            {
                var function = Assert.IsType<BtfFunc>(btf.TypeById(info.TypeId));
                var symbol = Assert.Single(functions, s => s.Name == btf.GetString(function.NameOff));
                Assert.Equal(section.SecName, elf.Sections[(int)symbol.SectionIndex].Name);
                Assert.Equal(symbol.Value, (ulong)info.InsnOff);
                Assert.Equal(info.InsnOff / 8, info.InsnIndex);
                Assert.Equal(symbol.Binding == ElfSymbolBinding.LOCAL ? BtfFuncLinkage.STATIC : BtfFuncLinkage.GLOBAL, function.Linkage);
                Assert.IsType<BtfFuncProto>(btf.TypeById(function.TypeId));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void LineInfoPointsAtSourceLinesInFunctionSections(string name)
    {
        var (_, btf, ext) = Fixtures.Open(name);

        Assert.True(ext.LineInfo.RecSize >= 16);
        Assert.NotEqual(0, ext.LineInfo.Count);
        var functionSections = ext.FuncInfo.Sections.Select(s => s.SecName).ToHashSet();
        foreach (var section in ext.LineInfo.Sections)
        {
            Assert.Contains(section.SecName, functionSections);
            Assert.Equal(section.Records.OrderBy(r => r.InsnOff), section.Records);
            foreach (var line in section.Records)
            {
                var file = btf.GetString(line.FileNameOff);
                Assert.True(file.EndsWith(".c", StringComparison.Ordinal) || file.EndsWith(".h", StringComparison.Ordinal), file);
                Assert.False(Path.IsPathRooted(file) && file.Contains("/fixtures/", StringComparison.Ordinal), $"build path leaked: {file}");
                Assert.Equal(line.LineCol >> 10, line.Line);
                Assert.Equal(line.LineCol & 0x3ff, line.Column);
            }
        }

        // Compiler-generated code may carry line 0, but the function entries carry real source text.
        Assert.Contains(ext.LineInfo.Sections.SelectMany(s => s.Records), l => l.Line > 0 && btf.GetString(l.LineOff).Length > 0);
    }

    [Fact]
    public void BtfMapDefinitionsDescribeTypeKeyValueAndMaxEntries()
    {
        var (_, btf, _) = Fixtures.Open("maps.bpf.o");
        Assert.True(btf.TryFindType(".maps", BtfKind.DATASEC, out var mapsId));
        var maps = (BtfDatasec)btf.TypeById(mapsId);
        var vars = maps.Vars.Select(v => (BtfVar)btf.TypeById(v.TypeId)).ToDictionary(v => btf.GetString(v.NameOff));

        Assert.Equal(
            ["counters", "events", "flows", "inner_a", "inner_b", "jump_table", "outer_array", "outer_hash", "percpu_counters", "percpu_flows", "pinned_lru", "queue", "rb", "stack"],
            vars.Keys.Order());

        var flows = MapDefinition(btf, vars["flows"]);
        Assert.Equal(1u, IntValue(btf, flows["type"])); // BPF_MAP_TYPE_HASH
        Assert.Equal(1024u, IntValue(btf, flows["max_entries"]));
        var value = btf.SkipModifiers(((BtfPtr)btf.TypeById(flows["value"].TypeId)).TypeId);
        Assert.Equal("fixture_flow_stats", btf.NameOf(value));
        Assert.Equal(16u, btf.GetSize(value));
        var key = ((BtfPtr)btf.TypeById(flows["key"].TypeId)).TypeId;
        Assert.Equal("fixture_flow_key", btf.NameOf(key));
        Assert.Equal(16u, btf.GetSize(key));

        Assert.Equal(27u, IntValue(btf, MapDefinition(btf, vars["rb"])["type"]));
        Assert.Equal(256u * 1024, IntValue(btf, MapDefinition(btf, vars["rb"])["max_entries"]));
        Assert.Equal(1u, IntValue(btf, MapDefinition(btf, vars["pinned_lru"])["pinning"])); // LIBBPF_PIN_BY_NAME

        // __array(values, struct inner_array): a zero-length array of pointers to the inner map's definition.
        var values = (BtfArray)btf.TypeById(MapDefinition(btf, vars["outer_array"])["values"].TypeId);
        Assert.Equal(0u, values.Nelems);
        Assert.Equal("inner_array", btf.NameOf(((BtfPtr)btf.TypeById(values.TypeId)).TypeId));
        var programs = (BtfArray)btf.TypeById(MapDefinition(btf, vars["jump_table"])["values"].TypeId);
        Assert.IsType<BtfFuncProto>(btf.TypeById(((BtfPtr)btf.TypeById(programs.TypeId)).TypeId));
    }

    [Fact]
    public void GlobalDataAndKconfigExternsHaveDatasecs()
    {
        var (_, btf, _) = Fixtures.Open("globals.bpf.o");

        Assert.Equal(["LINUX_KERNEL_VERSION", "CONFIG_HZ", "CONFIG_BPF_JIT", "CONFIG_NET_CLS_BPF", "CONFIG_MANAGEDBPF_NEVER_SET"], VarNames(btf, ".kconfig"));
        Assert.All(Vars(btf, ".kconfig"), v => Assert.Equal(BtfVarLinkage.GLOBAL_EXTERN, v.Linkage));
        Assert.Equal(["loop_count", "magic", "tool_name"], VarNames(btf, ".rodata").Order());
        Assert.Equal(["calls", "last_result"], VarNames(btf, ".data").Order());
        Assert.Equal(["sum", "visited", "window"], VarNames(btf, ".bss").Order());
        Assert.Equal(["custom_array", "custom_counter"], VarNames(btf, ".data.custom").Order());

        var loopCount = Vars(btf, ".rodata").Single(v => btf.GetString(v.NameOff) == "loop_count");
        Assert.Equal(BtfVarLinkage.GLOBAL_ALLOCATED, loopCount.Linkage);
        Assert.Equal(BtfKind.CONST, btf.KindOf(loopCount.TypeId));
        Assert.Equal(BtfKind.TYPEDEF, btf.KindOf(btf.SkipQualifiers(loopCount.TypeId)));
        var underlying = Assert.IsType<BtfInt>(btf.TypeById(btf.SkipModifiers(loopCount.TypeId)));
        Assert.Equal((4u, false), (underlying.Size, underlying.IsSigned));
        Assert.Equal(16u, btf.GetSize(Vars(btf, ".rodata").Single(v => btf.GetString(v.NameOff) == "tool_name").TypeId));

        Assert.True(btf.TryFindType("clamp_add", BtfKind.FUNC, out var clampAdd));
        var proto = (BtfFuncProto)btf.TypeById(((BtfFunc)btf.TypeById(clampAdd)).TypeId);
        Assert.Equal(["a", "b"], proto.Params.Select(p => btf.GetString(p.NameOff)));
        Assert.Equal("int", btf.NameOf(proto.ReturnTypeId));
        Assert.False(proto.IsVariadic);
    }

    [Fact]
    public void TagsFloatsBitfieldsAndForwardsAreDecoded()
    {
        var (_, btf, _) = Fixtures.Open("btf_kinds.bpf.o");
        Assert.True(btf.TryFindType("tagged", BtfKind.STRUCT, out var taggedId));
        var tagged = (BtfStruct)btf.TypeById(taggedId);

        Assert.True(tagged.HasBitfieldMembers);
        Assert.Equal(
            [("flags", 0u, (byte)3), ("mode", 3u, (byte)5), ("rest", 8u, (byte)24), ("value", 64u, (byte)0), ("ratio", 128u, (byte)0), ("handle", 192u, (byte)0), ("grid", 256u, (byte)0)],
            tagged.Members.Select(m => (btf.GetString(m.NameOff), m.BitOffset, m.BitfieldSize)));
        Assert.Equal(40u, btf.GetSize(taggedId));
        Assert.IsType<BtfUnion>(btf.TypeById(tagged.Members[3].TypeId));
        Assert.Equal(8u, btf.GetSize(tagged.Members[3].TypeId));
        var ratio = Assert.IsType<BtfFloat>(btf.TypeById(tagged.Members[4].TypeId));
        Assert.Equal((8u, "double"), (ratio.Size, btf.GetString(ratio.NameOff)));
        var handle = (BtfPtr)btf.TypeById(tagged.Members[5].TypeId);
        var opaque = Assert.IsType<BtfFwd>(btf.TypeById(handle.TypeId));
        Assert.False(opaque.IsUnion);
        Assert.False(btf.TryGetSize(handle.TypeId, out _));
        Assert.Equal(6u, btf.GetSize(tagged.Members[6].TypeId)); // __u8 grid[2][3]

        var tags = btf.OwnTypes.OfType<BtfDeclTag>().ToDictionary(t => btf.GetString(t.NameOff));
        Assert.Equal((taggedId, -1), (tags["struct_tag"].TypeId, tags["struct_tag"].ComponentIdx));
        Assert.Equal((taggedId, 0), (tags["member_tag"].TypeId, tags["member_tag"].ComponentIdx));
        Assert.Equal(1, tags["param_tag"].ComponentIdx);
        Assert.Equal("sum_into", btf.NameOf(tags["func_tag"].TypeId));
        Assert.Equal("tagged_global", btf.NameOf(tags["var_tag"].TypeId));

        var typeTag = Assert.Single(btf.OwnTypes.OfType<BtfTypeTag>());
        Assert.Equal("managed", btf.GetString(typeTag.NameOff));
        Assert.True(typeTag.IsModifier);
        Assert.Equal("int", btf.NameOf(btf.SkipModifiers(typeTag.TypeId)));
        Assert.Equal(2, btf.OwnTypes.OfType<BtfRestrict>().Count());
    }

    [Fact]
    public void CoreRelocationsCoverEveryKindClang14EmitsWithResolvableAccessStrings()
    {
        var (_, btf, ext) = Fixtures.Open("core.bpf.o");
        var relocations = ext.CoreRelo.Sections.SelectMany(s => s.Records).ToList();

        Assert.True(ext.CoreRelo.RecSize >= 16);
        Assert.Equal(["tp_btf/sched_switch", "raw_tp/sched_switch"], ext.CoreRelo.Sections.Select(s => s.SecName));
        Assert.Equal(
            Enum.GetValues<BpfCoreReloKind>().Where(k => k != BpfCoreReloKind.TYPE_MATCHES),
            relocations.Select(r => r.Kind).Distinct().Order());

        string Target(BpfCoreRelo r) => $"{btf.NameOf(r.TypeId)}.{AccessedName(btf, r)}";
        Assert.Contains(relocations, r => r.Kind == BpfCoreReloKind.FIELD_BYTE_OFFSET && Target(r) == "task_struct.pid");
        Assert.Contains(relocations, r => r.Kind == BpfCoreReloKind.FIELD_BYTE_OFFSET && Target(r) == "task_struct.real_parent");
        Assert.Contains(relocations, r => r.Kind == BpfCoreReloKind.FIELD_EXISTS && Target(r) == "task_struct.__state");
        Assert.Contains(relocations, r => r.Kind == BpfCoreReloKind.FIELD_BYTE_OFFSET && Target(r) == "task_struct___pre_5_14.state");
        Assert.Contains(relocations, r => r.Kind == BpfCoreReloKind.FIELD_LSHIFT_U64 && Target(r) == "task_struct.in_execve");
        Assert.Contains(relocations, r => r.Kind == BpfCoreReloKind.FIELD_SIGNED && Target(r) == "task_struct.pid");
        Assert.Contains(relocations, r => r.Kind == BpfCoreReloKind.TYPE_EXISTS && r.AccessString == "0" && btf.NameOf(r.TypeId) == "managedbpf_missing");
        Assert.Contains(relocations, r => r.Kind == BpfCoreReloKind.TYPE_SIZE && btf.NameOf(r.TypeId) == "task_struct");
        Assert.Contains(relocations, r => r.Kind == BpfCoreReloKind.TYPE_ID_LOCAL && btf.NameOf(r.TypeId) == "event");
        Assert.Contains(relocations, r => r.Kind == BpfCoreReloKind.ENUMVAL_EXISTS && Target(r) == "bpf_map_type___local.BPF_MAP_TYPE_MANAGEDBPF___local");
        Assert.Contains(relocations, r => r.Kind == BpfCoreReloKind.ENUMVAL_VALUE && Target(r) == "bpf_map_type___local.BPF_MAP_TYPE_RINGBUF___local");
        Assert.All(relocations, r => Assert.Equal(r.AccessString, string.Join(':', r.Accessors)));
    }

    [Fact]
    public void FlavoredTypesShareTheirEssentialName()
    {
        var (_, btf, _) = Fixtures.Open("core.bpf.o");

        var exact = btf.FindTypes("task_struct");
        var candidates = btf.FindTypesByEssentialName("task_struct");

        Assert.Equal(["task_struct"], exact.Select(btf.NameOf));
        Assert.Equal(["task_struct", "task_struct___pre_5_14"], candidates.Select(btf.NameOf).Order());
        Assert.Equal(["bpf_map_type___local"], btf.FindTypesByEssentialName("bpf_map_type").Select(btf.NameOf));
        Assert.True(btf.TryFindType("task_struct___pre_5_14", BtfKind.STRUCT, out _));
        Assert.False(btf.TryFindType("task_struct", BtfKind.UNION, out _));
        Assert.Empty(btf.FindTypes(""));
    }

    [Fact]
    public void SizesFollowTypedefsArraysAndPointers()
    {
        var (_, btf, _) = Fixtures.Open("core.bpf.o");
        Assert.True(btf.TryFindType("event", BtfKind.STRUCT, out var eventId));
        var members = ((BtfStruct)btf.TypeById(eventId)).Members.ToDictionary(m => btf.GetString(m.NameOff));

        Assert.Equal(((BtfStruct)btf.TypeById(eventId)).Size, btf.GetSize(eventId));
        Assert.Equal(16u, btf.GetSize(members["comm"].TypeId));
        Assert.Equal(8u, btf.GetSize(members["ringbuf_type"].TypeId));
        Assert.True(btf.TryFindType("task_struct", BtfKind.STRUCT, out var taskId));
        var realParent = ((BtfStruct)btf.TypeById(taskId)).Members.Single(m => btf.GetString(m.NameOff) == "real_parent");
        Assert.Equal(8u, btf.GetSize(realParent.TypeId));

        Assert.True(btf.TryFindType("core_sched_switch", BtfKind.FUNC, out var function));
        var ex = Assertions.ThrowsFormat(() => btf.GetSize(function), "FUNC has no size", ".BTF", btf.Header.HdrLen + OffsetOf(btf, function));
        Assert.Contains("core_sched_switch", ex.Message, StringComparison.Ordinal);
        Assert.False(btf.TryGetSize(0, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => btf.TypeById(btf.TypeCount));
    }

    internal static long OffsetOf(BtfSpec btf, uint typeId) =>
        btf.OwnTypes.Take((int)(typeId - btf.FirstTypeId)).Sum(t => (long)BtfWriter.EncodedSize(t));

    /// <summary>Walks an access string through the local BTF the way CO-RE does and names the last member or enumerator.</summary>
    private static string AccessedName(BtfSpec btf, BpfCoreRelo relo)
    {
        var type = btf.SkipModifiers(relo.TypeId);
        if (relo.Kind is BpfCoreReloKind.ENUMVAL_EXISTS or BpfCoreReloKind.ENUMVAL_VALUE)
        {
            return btf.GetString(((BtfEnum)btf.TypeById(type)).Values[relo.Accessors[0]].NameOff);
        }

        var name = string.Empty;
        foreach (var accessor in relo.Accessors.Skip(1))
        {
            switch (btf.TypeById(type))
            {
                case BtfComposite composite:
                    var member = composite.Members[accessor];
                    name = btf.GetString(member.NameOff);
                    type = btf.SkipModifiers(member.TypeId);
                    break;
                case BtfArray array:
                    type = btf.SkipModifiers(array.TypeId);
                    break;
                default:
                    throw new InvalidOperationException($"cannot step into {btf.Describe(type)}");
            }
        }

        return name;
    }

    private static Dictionary<string, BtfMember> MapDefinition(BtfSpec btf, BtfVar map) =>
        ((BtfStruct)btf.TypeById(map.TypeId)).Members.ToDictionary(m => btf.GetString(m.NameOff));

    /// <summary>libbpf's __uint(name, val) is <c>int (*name)[val]</c>: the value is the array length.</summary>
    private static uint IntValue(BtfSpec btf, BtfMember member) =>
        ((BtfArray)btf.TypeById(((BtfPtr)btf.TypeById(member.TypeId)).TypeId)).Nelems;

    private static List<BtfVar> Vars(BtfSpec btf, string datasec)
    {
        Assert.True(btf.TryFindType(datasec, BtfKind.DATASEC, out var id));
        return ((BtfDatasec)btf.TypeById(id)).Vars.Select(v => (BtfVar)btf.TypeById(v.TypeId)).ToList();
    }

    private static List<string> VarNames(BtfSpec btf, string datasec) => Vars(btf, datasec).Select(v => btf.GetString(v.NameOff)).ToList();
}
