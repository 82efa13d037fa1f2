using System.Globalization;
using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader.Usdt;

/// <summary>
/// How an object lays out <c>struct __bpf_usdt_spec</c>, the value of its <c>__bpf_usdt_specs</c> map, which
/// <c>bpf_usdt_arg()</c> reads: <c>args[BPF_USDT_MAX_ARG_CNT]</c> of <c>struct __bpf_usdt_arg_spec</c>
/// (<c>val_off</c>, <c>arg_type</c>, <c>reg_off</c>, <c>arg_signed</c>, <c>arg_bitshift</c>; since libbpf 1.7 also the
/// <c>idx_reg_off</c> and <c>scale_bitshift</c> bitfields), then <c>usdt_cookie</c> and <c>arg_cnt</c>. The layout is
/// read from the object's own BTF (<see cref="FromBtf"/>), so an object built with any version of the header gets
/// the bytes its code reads; <see cref="Libbpf11"/> is libbpf 1.1's, for an object whose BTF lacks the struct.
/// </summary>
public sealed class UsdtSpecLayout
{
    private const string SpecStruct = "__bpf_usdt_spec";
    private const string ArgStruct = "__bpf_usdt_arg_spec";

    private readonly IReadOnlyDictionary<UsdtArgumentKind, long> _kinds;

    private UsdtSpecLayout(
        uint size, int maxArguments, uint argumentsOffset, uint argumentSize, IReadOnlyDictionary<UsdtArgumentKind, long> kinds,
        UsdtSpecField valueOffset, UsdtSpecField argumentType, UsdtSpecField registerOffset, UsdtSpecField signed, UsdtSpecField bitShift,
        UsdtSpecField? indexRegisterOffset, UsdtSpecField? scaleBitShift, UsdtSpecField cookie, UsdtSpecField argumentCount)
    {
        Size = size;
        MaxArguments = maxArguments;
        ArgumentsOffset = argumentsOffset;
        ArgumentSize = argumentSize;
        _kinds = kinds;
        ValueOffset = valueOffset;
        ArgumentType = argumentType;
        RegisterOffset = registerOffset;
        Signed = signed;
        BitShift = bitShift;
        IndexRegisterOffset = indexRegisterOffset;
        ScaleBitShift = scaleBitShift;
        Cookie = cookie;
        ArgumentCount = argumentCount;
    }

    /// <summary>
    /// libbpf 1.1's layout (<c>/usr/include/bpf/usdt.bpf.h</c> on Debian 12): 208 bytes; 12 arguments of 16 bytes
    /// (<c>val_off</c> u64 at 0, <c>arg_type</c> a 4-byte enum at 8, <c>reg_off</c> short at 12, <c>arg_signed</c> at 14,
    /// <c>arg_bitshift</c> at 15); <c>usdt_cookie</c> at 192, <c>arg_cnt</c> (short) at 200.
    /// </summary>
    public static UsdtSpecLayout Libbpf11 { get; } = new(
        208, 12, 0, 16, DefaultKinds(),
        new(0, 64), new(64, 32), new(96, 16), new(112, 8), new(120, 8), null, null, new(1536, 64), new(1600, 16));

    /// <summary><c>sizeof(struct __bpf_usdt_spec)</c>: the specs map's value size.</summary>
    public uint Size { get; }

    /// <summary><c>BPF_USDT_MAX_ARG_CNT</c>: the length of <c>args</c>.</summary>
    public int MaxArguments { get; }

    /// <summary>Byte offset of <c>args</c>.</summary>
    public uint ArgumentsOffset { get; }

    /// <summary><c>sizeof(struct __bpf_usdt_arg_spec)</c>.</summary>
    public uint ArgumentSize { get; }

    /// <summary><c>val_off</c>, within an argument.</summary>
    public UsdtSpecField ValueOffset { get; }

    /// <summary><c>arg_type</c>, within an argument.</summary>
    public UsdtSpecField ArgumentType { get; }

    /// <summary><c>reg_off</c>, within an argument.</summary>
    public UsdtSpecField RegisterOffset { get; }

    /// <summary><c>arg_signed</c>, within an argument.</summary>
    public UsdtSpecField Signed { get; }

    /// <summary><c>arg_bitshift</c>, within an argument.</summary>
    public UsdtSpecField BitShift { get; }

    /// <summary><c>idx_reg_off</c> (libbpf 1.7+), within an argument; null when the object's header has none.</summary>
    public UsdtSpecField? IndexRegisterOffset { get; }

    /// <summary><c>scale_bitshift</c> (libbpf 1.7+), within an argument; null when the object's header has none.</summary>
    public UsdtSpecField? ScaleBitShift { get; }

    /// <summary><c>usdt_cookie</c>.</summary>
    public UsdtSpecField Cookie { get; }

    /// <summary><c>arg_cnt</c>.</summary>
    public UsdtSpecField ArgumentCount { get; }

    /// <summary>True when the object's <c>bpf_usdt_arg()</c> reads scale-index-base arguments (<c>BPF_USDT_ARG_SIB</c>, libbpf 1.7+).</summary>
    public bool SupportsScaleIndexBase => _kinds.ContainsKey(UsdtArgumentKind.ScaleIndexBase) && IndexRegisterOffset is not null && ScaleBitShift is not null;

    /// <summary>The value <c>enum __bpf_usdt_arg_type</c> gives <paramref name="kind"/> in this object, or null when it has no such member.</summary>
    /// <param name="kind">An argument kind.</param>
    /// <returns>The enumerator's value.</returns>
    public long? KindValue(UsdtArgumentKind kind) => _kinds.TryGetValue(kind, out var value) ? value : null;

    /// <summary>
    /// Reads the layout from an object's BTF: <c>struct __bpf_usdt_spec</c> (<paramref name="typeId"/>, such as the
    /// specs map's value type, or the first struct of that name), its <c>args</c> array of <c>struct __bpf_usdt_arg_spec</c>,
    /// and <c>enum __bpf_usdt_arg_type</c>'s values.
    /// </summary>
    /// <param name="btf">The object's BTF.</param>
    /// <param name="typeId">The struct's id, or null to find it by name.</param>
    /// <returns>The layout, or null when the BTF has no <c>struct __bpf_usdt_spec</c>.</returns>
    /// <exception cref="BpfObjectFormatException">The struct lacks a member <c>bpf_usdt_arg()</c> reads, or one has an impossible type or width.</exception>
    public static UsdtSpecLayout? FromBtf(BtfSpec btf, uint? typeId = null)
    {
        ArgumentNullException.ThrowIfNull(btf);
        uint id;
        if (typeId is { } given)
            id = btf.SkipModifiers(given);
        else if (!btf.TryFindType(SpecStruct, BtfKind.STRUCT, out id))
            return null;
        if (btf.TypeById(id) is not BtfStruct spec || btf.NameOf(id) != SpecStruct)
            return null;

        var members = Members(btf, spec, SpecStruct);
        var (argsMember, _) = Require(members, "args", SpecStruct);
        if (btf.TypeById(btf.SkipModifiers(argsMember.TypeId)) is not BtfArray args || args.Nelems == 0
            || btf.TypeById(btf.SkipModifiers(args.TypeId)) is not BtfStruct arg || btf.NameOf(btf.SkipModifiers(args.TypeId)) != ArgStruct)
            throw Malformed($"{SpecStruct}.args is not an array of struct {ArgStruct}");
        if (argsMember.BitOffset % 8 != 0 || (argsMember.BitOffset / 8) + ((ulong)args.Nelems * arg.Size) > spec.Size)
            throw Malformed($"{SpecStruct}.args does not lie byte-aligned inside the {spec.Size}-byte struct");
        var argMembers = Members(btf, arg, ArgStruct);
        var kind = Require(argMembers, "arg_type", ArgStruct);
        return new UsdtSpecLayout(
            spec.Size, (int)Math.Min(args.Nelems, int.MaxValue), argsMember.BitOffset / 8, arg.Size, Kinds(btf, kind.Member.TypeId),
            Require(argMembers, "val_off", ArgStruct).Field, kind.Field, Require(argMembers, "reg_off", ArgStruct).Field,
            Require(argMembers, "arg_signed", ArgStruct).Field, Require(argMembers, "arg_bitshift", ArgStruct).Field,
            argMembers.TryGetValue("idx_reg_off", out var index) ? index.Field : null,
            argMembers.TryGetValue("scale_bitshift", out var scale) ? scale.Field : null,
            Require(members, "usdt_cookie", SpecStruct).Field, Require(members, "arg_cnt", SpecStruct).Field);
    }

    /// <summary>Lays out one USDT site's specification, as libbpf's <c>parse_usdt_spec</c> fills <c>struct usdt_spec</c>.</summary>
    /// <param name="arguments">The site's arguments (see <see cref="UsdtArguments.Parse"/>).</param>
    /// <param name="cookie">The attachment's USDT cookie, what <c>bpf_usdt_cookie()</c> returns.</param>
    /// <returns><see cref="Size"/> bytes for the specs map.</returns>
    /// <exception cref="FormatException">More arguments than <see cref="MaxArguments"/>.</exception>
    /// <exception cref="NotSupportedException">A scale-index-base argument, and the object's <c>usdt.bpf.h</c> predates <c>BPF_USDT_ARG_SIB</c> (libbpf 1.7).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value does not fit in the object's field for it.</exception>
    public byte[] Write(IReadOnlyList<UsdtArgument> arguments, ulong cookie)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (arguments.Count > MaxArguments)
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{arguments.Count} USDT arguments, but the object's struct {SpecStruct} holds {MaxArguments} (BPF_USDT_MAX_ARG_CNT)."));
        var bytes = new byte[Size];
        for (var i = 0; i < arguments.Count; i++)
        {
            var a = arguments[i];
            var at = ((ulong)ArgumentsOffset + ((ulong)i * ArgumentSize)) * 8;
            var kind = KindValue(a.Kind);
            if ((a.Kind == UsdtArgumentKind.ScaleIndexBase && !SupportsScaleIndexBase) || kind is null)
            {
                throw new NotSupportedException(
                    $"USDT argument #{i} '{a.Text}' uses scale-index-base addressing, which bpf_usdt_arg() reads only with usdt.bpf.h from libbpf 1.7 or later " +
                    "(BPF_USDT_ARG_SIB, idx_reg_off, scale_bitshift); this object was built with an older header (libbpf 1.1's has no such mode), so rebuild it with a newer one.");
            }

            ValueOffset.Write(bytes, at, a.ValueOffset, "val_off");
            ArgumentType.Write(bytes, at, kind.Value, "arg_type");
            RegisterOffset.Write(bytes, at, a.RegisterOffset, "reg_off");
            Signed.Write(bytes, at, a.Signed ? 1 : 0, "arg_signed");
            BitShift.Write(bytes, at, a.BitShift, "arg_bitshift");
            if (a.Kind == UsdtArgumentKind.ScaleIndexBase)
            {
                IndexRegisterOffset!.Value.Write(bytes, at, a.IndexRegisterOffset, "idx_reg_off");
                ScaleBitShift!.Value.Write(bytes, at, a.ScaleBitShift, "scale_bitshift");
            }
        }

        Cookie.Write(bytes, 0, (long)cookie, "usdt_cookie");
        ArgumentCount.Write(bytes, 0, arguments.Count, "arg_cnt");
        return bytes;
    }

    private static Dictionary<UsdtArgumentKind, long> DefaultKinds() => new()
    {
        [UsdtArgumentKind.Constant] = 0,
        [UsdtArgumentKind.Register] = 1,
        [UsdtArgumentKind.RegisterDereference] = 2,
    };

    /// <summary>The enumerators of <c>enum __bpf_usdt_arg_type</c> by their <c>BPF_USDT_ARG_*</c> names; libbpf 1.1's values when the member is not an enum.</summary>
    private static Dictionary<UsdtArgumentKind, long> Kinds(BtfSpec btf, uint typeId)
    {
        var names = new Dictionary<string, UsdtArgumentKind>(StringComparer.Ordinal)
        {
            ["BPF_USDT_ARG_CONST"] = UsdtArgumentKind.Constant,
            ["BPF_USDT_ARG_REG"] = UsdtArgumentKind.Register,
            ["BPF_USDT_ARG_REG_DEREF"] = UsdtArgumentKind.RegisterDereference,
            ["BPF_USDT_ARG_SIB"] = UsdtArgumentKind.ScaleIndexBase,
        };
        if (btf.TypeById(btf.SkipModifiers(typeId)) is not BtfEnum type)
            return DefaultKinds();
        var kinds = new Dictionary<UsdtArgumentKind, long>();
        foreach (var value in type.Values)
        {
            if (names.TryGetValue(btf.GetString(value.NameOff), out var kind))
                kinds[kind] = type.ValueOf(value);
        }

        foreach (var required in new[] { UsdtArgumentKind.Constant, UsdtArgumentKind.Register, UsdtArgumentKind.RegisterDereference })
        {
            if (!kinds.ContainsKey(required))
                throw Malformed($"enum __bpf_usdt_arg_type has no {names.First(n => n.Value == required).Key}");
        }

        return kinds;
    }

    private static Dictionary<string, (BtfMember Member, UsdtSpecField Field)> Members(BtfSpec btf, BtfStruct type, string structName)
    {
        var members = new Dictionary<string, (BtfMember, UsdtSpecField)>(StringComparer.Ordinal);
        foreach (var member in type.Members)
        {
            var bits = member.BitfieldSize != 0 ? member.BitfieldSize : (btf.TryGetSize(member.TypeId, out var size) ? (ulong)size * 8 : 0);
            var name = btf.GetString(member.NameOff);
            // Only scalars are written bit by bit; the args array is walked element by element.
            if (name != "args" && (bits is 0 or > 64 || member.BitOffset + bits > (ulong)type.Size * 8))
                throw Malformed($"{structName}.{name} is {bits} bits at bit {member.BitOffset}, which is not a scalar field inside the {type.Size}-byte struct");
            members[name] = (member, new UsdtSpecField(member.BitOffset, (uint)Math.Min(bits, 64)));
        }

        return members;
    }

    private static (BtfMember Member, UsdtSpecField Field) Require(Dictionary<string, (BtfMember, UsdtSpecField)> members, string name, string structName) =>
        members.TryGetValue(name, out var member) ? member : throw Malformed($"struct {structName} has no member '{name}'");

    private static BpfObjectFormatException Malformed(string problem) =>
        new($"The object's usdt.bpf.h types cannot be read: {problem}.", ".BTF", null);
}
