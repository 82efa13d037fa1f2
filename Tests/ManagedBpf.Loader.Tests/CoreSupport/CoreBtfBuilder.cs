using System.Collections.Immutable;
using System.Text;
using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader.Tests.CoreSupport;

/// <summary>
/// Builds a named BTF type by type for CO-RE tests: each call adds one type and returns its id, names are interned into
/// the string section as they are used, and <see cref="Build"/> encodes with <see cref="BtfWriter"/> and parses. Give a
/// base to build split (module) BTF whose ids and string offsets continue it.
/// </summary>
internal sealed class CoreBtfBuilder
{
    private readonly List<byte> _strings = [0];
    private readonly Dictionary<string, uint> _offsets = new(StringComparer.Ordinal);
    private readonly List<BtfType> _types = [];
    private readonly BtfSpec? _base;

    public CoreBtfBuilder(BtfSpec? baseBtf = null)
    {
        _base = baseBtf;
    }

    /// <summary>The id the next added type gets (for self-references such as <c>struct list { struct list *next; }</c>).</summary>
    public uint NextId => (_base?.TypeCount ?? 1) + (uint)_types.Count;

    public uint Str(string name)
    {
        if (name.Length == 0)
        {
            return 0;
        }

        if (!_offsets.TryGetValue(name, out var offset))
        {
            offset = (_base?.StringsEnd ?? 0) + (uint)_strings.Count;
            _strings.AddRange(Encoding.UTF8.GetBytes(name));
            _strings.Add(0);
            _offsets.Add(name, offset);
        }

        return offset;
    }

    public uint Add(BtfType type)
    {
        _types.Add(type);
        return NextId - 1;
    }

    public uint Int(string name, uint size, bool signed = false) =>
        Add(new BtfInt(Str(name), size, signed ? BtfIntEncoding.SIGNED : BtfIntEncoding.None, 0, (byte)(size * 8)));

    public uint Bool(string name = "_Bool") => Add(new BtfInt(Str(name), 1, BtfIntEncoding.BOOL, 0, 8));

    public uint Float(string name, uint size) => Add(new BtfFloat(Str(name), size));

    public uint Ptr(uint typeId) => Add(new BtfPtr(typeId));

    public uint Const(uint typeId) => Add(new BtfConst(typeId));

    public uint Volatile(uint typeId) => Add(new BtfVolatile(typeId));

    public uint Typedef(string name, uint typeId) => Add(new BtfTypedef(Str(name), typeId));

    public uint Array(uint elementId, uint nelems, uint indexTypeId = 0) => Add(new BtfArray(elementId, indexTypeId, nelems));

    public uint Fwd(string name, bool union = false) => Add(new BtfFwd(Str(name), union));

    /// <summary>A struct; members are (name, type, bit offset, bitfield bits). Any bitfield sets the kind flag.</summary>
    public uint Struct(string name, uint size, params (string Name, uint Type, uint BitOffset, byte Bits)[] members) =>
        Add(new BtfStruct(Str(name), size, Members(members), members.Any(m => m.Bits != 0)));

    public uint Union(string name, uint size, params (string Name, uint Type, uint BitOffset, byte Bits)[] members) =>
        Add(new BtfUnion(Str(name), size, Members(members), members.Any(m => m.Bits != 0)));

    public uint Enum(string name, uint size, bool signed, params (string Name, int Value)[] values) =>
        Add(new BtfEnum(Str(name), size, [.. values.Select(v => new BtfEnumValue(Str(v.Name), v.Value))], signed));

    public uint Enum64(string name, uint size, bool signed, params (string Name, ulong Value)[] values) =>
        Add(new BtfEnum64(Str(name), size, [.. values.Select(v => new BtfEnum64Value(Str(v.Name), v.Value))], signed));

    public uint FuncProto(uint returnTypeId, params uint[] parameterTypeIds) =>
        Add(new BtfFuncProto(returnTypeId, [.. parameterTypeIds.Select(t => new BtfParam(0, t))]));

    public BtfSpec Build() => BtfSpec.Parse(BtfWriter.Write(_types, [.. _strings]), _base, _base is null ? "test.btf" : "test-module.btf");

    private ImmutableArray<BtfMember> Members((string Name, uint Type, uint BitOffset, byte Bits)[] members) =>
        [.. members.Select(m => new BtfMember(Str(m.Name), m.Type, m.BitOffset, m.Bits))];
}

/// <summary>Member tuple shorthand: <c>M("pid", intId, 32)</c>.</summary>
internal static class CoreMembers
{
    public static (string Name, uint Type, uint BitOffset, byte Bits) M(string name, uint type, uint bitOffset, byte bits = 0) => (name, type, bitOffset, bits);
}
