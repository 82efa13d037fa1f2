using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace ManagedBpf.Loader.Btf;

/// <summary>
/// Writes values as JSON the way one BTF type describes them, as bpftool's BTF dumper does for map values:
/// integers as numbers (<c>_Bool</c> as <see langword="true"/>/<see langword="false"/>, 128-bit integers as
/// <c>"0x…"</c> strings), arrays of <c>char</c> as strings (up to the first NUL), other arrays as arrays, enums by
/// enumerator name (the number when no enumerator matches), structs and unions as objects (bitfields decoded,
/// members of anonymous structs and unions written into their parent), floats as numbers, pointers as numbers,
/// data sections as objects of their variables (given the sizes and offsets a loader fills in: clang leaves them 0).
/// </summary>
/// <remarks>
/// The type is checked once, when the writer is created: every type a value can reach (not through pointers)
/// must have a size and a JSON form, so <see cref="Write"/> cannot meet a function or a forward declaration.
/// Writing allocates nothing unless a char array holds invalid UTF-8 longer than 256 bytes or a float is not finite.
/// </remarks>
public sealed class BtfValueWriter
{
    private const int MaxDepth = 32;
    private const ulong MaxValues = 1 << 20;
    private readonly BtfSpec _btf;
    private readonly BtfArray? _tail; // a struct's last member when it is an array: a producer may send it in part

    /// <summary>Creates a writer for values of <paramref name="typeId"/>.</summary>
    /// <param name="btf">The BTF describing the values (an object's own <c>.BTF</c>, or the kernel's).</param>
    /// <param name="typeId">The values' type.</param>
    /// <exception cref="ArgumentException">The type, or a type inside it, has no size or no JSON form.</exception>
    public BtfValueWriter(BtfSpec btf, uint typeId)
    {
        ArgumentNullException.ThrowIfNull(btf);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(typeId, btf.TypeCount);
        _btf = btf;
        TypeId = typeId;
        Check(typeId, 0, []);
        Size = btf.GetSize(typeId);
        MinimumSize = Size;
        if (_btf.TypeById(_btf.SkipModifiers(typeId)) is BtfStruct { Members: [.., var last] } && last.BitfieldSize == 0
            && _btf.TypeById(_btf.SkipModifiers(last.TypeId)) is BtfArray tail && last.BitOffset % 8 == 0)
        {
            _tail = tail;
            MinimumSize = last.BitOffset / 8;
        }
    }


    /// <summary>The values' type id.</summary>
    public uint TypeId { get; }

    /// <summary>The size of one value in bytes.</summary>
    public uint Size { get; }

    /// <summary>
    /// The fewest bytes <see cref="Write"/> takes: <see cref="Size"/>, or, for a struct that ends in an array, that
    /// array's offset. Producers send such records in part (libbpf-tools' execsnoop sends the header and
    /// <c>args_size</c> bytes of <c>args</c>): the array is written with the elements present.
    /// </summary>
    public uint MinimumSize { get; }

    /// <summary>
    /// Creates a writer for the type named <paramref name="name"/>: a struct, union, enum, typedef, integer or data
    /// section of that name. A <c>struct</c>/<c>union</c>/<c>enum</c> prefix selects the kind, as in C.
    /// </summary>
    /// <param name="btf">The BTF to search.</param>
    /// <param name="name">A type name such as <c>event</c>, <c>struct event</c> or <c>.bss</c>.</param>
    /// <returns>The writer.</returns>
    /// <exception cref="KeyNotFoundException">No such type; the message lists the struct names there are.</exception>
    /// <exception cref="ArgumentException">The type has no JSON form.</exception>
    public static BtfValueWriter ForType(BtfSpec btf, string name)
    {
        ArgumentNullException.ThrowIfNull(btf);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (btf.TryFindCType(name, [BtfKind.STRUCT, BtfKind.UNION, BtfKind.TYPEDEF, BtfKind.ENUM, BtfKind.ENUM64, BtfKind.INT, BtfKind.FLOAT, BtfKind.DATASEC], out var id))
            return new BtfValueWriter(btf, id);

        var structs = btf.OwnTypes.Select((type, index) => (type, id: btf.FirstTypeId + (uint)index))
            .Where(t => t.type is BtfStruct && t.type.NameOff != 0)
            .Select(t => btf.NameOf(t.id))
            .Order(StringComparer.Ordinal)
            .ToList();
        throw new KeyNotFoundException(
            $"No type named '{name}' in {btf.Section}. Its named structs: {(structs.Count == 0 ? "none" : string.Join(", ", structs))}.");
    }

    /// <summary>Writes one value as a JSON value (object, array, string, number or boolean).</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="value">
    /// The value's bytes, in the target's (little-endian) byte order; bytes past <see cref="Size"/> are ignored. From
    /// <see cref="MinimumSize"/> to <see cref="Size"/> bytes, a struct's last array holds the whole elements present.
    /// </param>
    /// <exception cref="ArgumentException"><paramref name="value"/> is shorter than <see cref="MinimumSize"/>.</exception>
    public void Write(Utf8JsonWriter writer, ReadOnlySpan<byte> value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if ((uint)value.Length < MinimumSize)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The value has {value.Length} bytes; {_btf.Describe(TypeId)} needs {MinimumSize}."),
                nameof(value));
        }

        if ((uint)value.Length >= Size)
        {
            WriteValue(writer, TypeId, value);
            return;
        }

        // A partial record: the fixed members, then the elements of the tail array that are present.
        var composite = (BtfComposite)_btf.TypeById(_btf.SkipModifiers(TypeId));
        writer.WriteStartObject();
        WriteMembers(writer, composite.Members.AsSpan()[..^1], value);
        var last = composite.Members[^1];
        writer.WritePropertyName(_btf.GetStringBytes(last.NameOff));
        var present = (uint)(value.Length - (int)MinimumSize) / Math.Max(1, _btf.GetSize(_tail!.TypeId));
        WriteArray(writer, _tail!, Math.Min(present, _tail!.Nelems), value[(int)MinimumSize..]);
        writer.WriteEndObject();
    }

    /// <summary>
    /// Checks that every value of <paramref name="typeId"/> can be written, and returns how many JSON values one
    /// value expands to (memoized in <paramref name="valueCounts"/>, so wide types are checked once per type, not once per path).
    /// </summary>
    private ulong Check(uint typeId, int depth, Dictionary<uint, ulong> valueCounts)
    {
        if (depth > MaxDepth)
            throw new ArgumentException($"{_btf.Describe(typeId)} nests more than {MaxDepth} levels deep.");
        var id = _btf.SkipModifiers(typeId);
        if (valueCounts.TryGetValue(id, out var known))
            return known;
        if (!_btf.TryGetSize(id, out var size))
            throw new ArgumentException($"{_btf.Describe(id)} has no size.");

        ulong count;
        switch (_btf.TypeById(id))
        {
            case BtfInt i when i.Size is 0 or > 16 || i.Bits > 128 || i.Offset + EffectiveBits(i) > i.Size * 8:
                throw new ArgumentException($"{_btf.Describe(id)} is not a valid integer: {i.Size} bytes, {i.Bits} bits from bit {i.Offset}.");
            case BtfInt or BtfEnum or BtfEnum64 or BtfFloat or BtfPtr:
                count = 1;
                break;
            case BtfArray a:
                count = IsChar(_btf, a.TypeId) && _btf.GetSize(a.TypeId) == 1 ? 1 : Math.Max(1, a.Nelems) * Check(a.TypeId, depth + 1, valueCounts);
                break;
            case BtfComposite c:
                count = 1;
                foreach (var member in c.Members)
                {
                    count += Check(member.TypeId, depth + 1, valueCounts);
                    CheckPlace(member, c, id);
                }

                break;
            case BtfVar v:
                count = Check(v.TypeId, depth + 1, valueCounts);
                break;
            case BtfDatasec d:
                count = 1;
                foreach (var variable in d.Vars)
                {
                    count += Check(variable.TypeId, depth + 1, valueCounts);
                    if ((ulong)variable.Offset + variable.Size > d.Size || variable.Size < _btf.GetSize(variable.TypeId))
                        throw new ArgumentException($"A variable of {_btf.Describe(id)} lies past its {d.Size} bytes (data sections need the sizes and offsets a loader fills in).");
                }

                break;
            default:
                throw new ArgumentException($"{_btf.Describe(id)} has no value to write as JSON.");
        }

        // A bound on the output of one value: an array of a million empty structs is a malformed type, not data.
        if (count > MaxValues)
            throw new ArgumentException($"One value of {_btf.Describe(id)} would be more than {MaxValues} JSON values.");
        valueCounts[id] = count;
        return count;
    }

    /// <summary>A member must lie inside its parent, and a bit-packed member must be an integer or an enum no wider than its type.</summary>
    private void CheckPlace(BtfMember member, BtfComposite parent, uint parentId)
    {
        var memberType = _btf.SkipModifiers(member.TypeId);
        var (offset, bits, packed) = Place(member, memberType);
        if (offset + bits > (ulong)parent.Size * 8)
            throw new ArgumentException($"Member {_btf.GetString(member.NameOff)} of {_btf.Describe(parentId)} lies past its {parent.Size} bytes.");
        if (packed && (_btf.KindOf(memberType) is not (BtfKind.INT or BtfKind.ENUM or BtfKind.ENUM64) || bits > 128 || bits > (ulong)_btf.GetSize(memberType) * 8))
            throw new ArgumentException($"Bitfield {_btf.GetString(member.NameOff)} of {_btf.Describe(parentId)} is {bits} bits of {_btf.Describe(memberType)}.");
        if (!packed && offset % 8 != 0)
            throw new ArgumentException($"Member {_btf.GetString(member.NameOff)} of {_btf.Describe(parentId)} is not byte-aligned.");
    }

    /// <summary>
    /// Where a member's value lies, in bits from the parent's start. A kind-flag bitfield has its own width; an
    /// integer member carries <c>BTF_INT_OFFSET</c> and <c>BTF_INT_BITS</c> (how bitfields are encoded without the
    /// kind flag), so integers are always read bit by bit; anything else is whole and byte-aligned.
    /// </summary>
    private (ulong Offset, uint Bits, bool Packed) Place(BtfMember member, uint memberType) =>
        member.BitfieldSize != 0 ? (member.BitOffset, member.BitfieldSize, true)
        : _btf.TypeById(memberType) is BtfInt i ? ((ulong)member.BitOffset + i.Offset, EffectiveBits(i), true)
        : (member.BitOffset, _btf.GetSize(memberType) * 8, false);

    private static uint EffectiveBits(BtfInt type) => type.Bits == 0 ? type.Size * 8 : type.Bits;

    private void WriteValue(Utf8JsonWriter writer, uint typeId, ReadOnlySpan<byte> data)
    {
        var id = _btf.SkipModifiers(typeId);
        switch (_btf.TypeById(id))
        {
            case BtfInt i:
                WriteInt(writer, i, Bits(data, i.Offset, EffectiveBits(i)), EffectiveBits(i));
                break;
            case BtfEnum or BtfEnum64:
                var enumBits = _btf.GetSize(id) * 8;
                WriteEnum(writer, id, (ulong)Bits(data, 0, enumBits), (int)enumBits);
                break;
            case BtfFloat f:
                WriteFloat(writer, data, f.Size);
                break;
            case BtfPtr:
                writer.WriteNumberValue(BinaryPrimitives.ReadUInt64LittleEndian(data));
                break;
            case BtfArray a:
                WriteArray(writer, a, a.Nelems, data);
                break;
            case BtfComposite c:
                writer.WriteStartObject();
                WriteMembers(writer, c.Members.AsSpan(), data);
                writer.WriteEndObject();
                break;
            case BtfVar v:
                WriteValue(writer, v.TypeId, data);
                break;
            case BtfDatasec d:
                writer.WriteStartObject();
                foreach (var variable in d.Vars)
                {
                    writer.WritePropertyName(_btf.GetStringBytes(_btf.NameOffOf(variable.TypeId)));
                    WriteValue(writer, variable.TypeId, data.Slice((int)variable.Offset, (int)variable.Size));
                }

                writer.WriteEndObject();
                break;
        }
    }

    private void WriteMembers(Utf8JsonWriter writer, ReadOnlySpan<BtfMember> members, ReadOnlySpan<byte> data)
    {
        foreach (var member in members)
        {
            var memberType = _btf.SkipModifiers(member.TypeId);
            var kind = _btf.KindOf(memberType);
            if (member.NameOff == 0)
            {
                // An anonymous struct or union reads, in C, as members of its parent; an unnamed bitfield is padding.
                if (kind is BtfKind.STRUCT or BtfKind.UNION)
                    WriteMembers(writer, ((BtfComposite)_btf.TypeById(memberType)).Members.AsSpan(), data[(int)(member.BitOffset / 8)..]);
                continue;
            }

            writer.WritePropertyName(_btf.GetStringBytes(member.NameOff));
            var (offset, bits, packed) = Place(member, memberType);
            if (!packed)
            {
                WriteValue(writer, member.TypeId, data[(int)(offset / 8)..]);
                continue;
            }

            var raw = Bits(data, offset, bits);
            if (_btf.TypeById(memberType) is BtfInt packedInt)
                WriteInt(writer, packedInt, raw, bits);
            else
                WriteEnum(writer, memberType, (ulong)raw, (int)bits);
        }
    }

    private void WriteArray(Utf8JsonWriter writer, BtfArray array, uint count, ReadOnlySpan<byte> data)
    {
        var elementSize = _btf.GetSize(array.TypeId);
        var length = checked((int)(elementSize * count));
        if (elementSize == 1 && IsChar(_btf, array.TypeId))
        {
            var text = data[..length];
            var end = text.IndexOf((byte)0);
            WriteUtf8String(writer, end < 0 ? text : text[..end]);
            return;
        }

        writer.WriteStartArray();
        for (uint i = 0; i < count; i++)
            WriteValue(writer, array.TypeId, data.Slice((int)(i * elementSize), (int)elementSize));
        writer.WriteEndArray();
    }

    private static void WriteInt(Utf8JsonWriter writer, BtfInt type, UInt128 raw, uint bits)
    {
        if ((type.Encoding & BtfIntEncoding.BOOL) != 0)
        {
            writer.WriteBooleanValue(raw != 0);
        }
        else if (bits > 64)
        {
            Span<char> hex = stackalloc char[2 + 32];
            "0x".CopyTo(hex);
            ((ulong)(raw >> 64)).TryFormat(hex[2..], out var high, "x16", CultureInfo.InvariantCulture);
            ((ulong)raw).TryFormat(hex[(2 + high)..], out var low, "x16", CultureInfo.InvariantCulture);
            writer.WriteStringValue(hex[..(2 + high + low)]);
        }
        else if (type.IsSigned)
        {
            writer.WriteNumberValue((long)SignExtend((ulong)raw, (int)bits, signed: true));
        }
        else
        {
            writer.WriteNumberValue((ulong)raw);
        }
    }

    /// <summary>Writes an enum value of <paramref name="bits"/> bits as its enumerator's name, or as a number when none matches.</summary>
    private void WriteEnum(Utf8JsonWriter writer, uint enumId, ulong raw, int bits)
    {
        uint name = 0;
        bool signed;
        ulong value;
        switch (_btf.TypeById(enumId))
        {
            case BtfEnum e:
                (signed, value) = (e.IsSigned, SignExtend(raw, bits, e.IsSigned));
                foreach (var enumerator in e.Values)
                {
                    if ((ulong)e.ValueOf(enumerator) == value)
                    {
                        name = enumerator.NameOff;
                        break;
                    }
                }

                break;
            case BtfEnum64 e:
                (signed, value) = (e.IsSigned, SignExtend(raw, bits, e.IsSigned));
                foreach (var enumerator in e.Values)
                {
                    if (enumerator.Val == value)
                    {
                        name = enumerator.NameOff;
                        break;
                    }
                }

                break;
            default:
                throw new InvalidOperationException("Check admits only enums here.");
        }

        if (name != 0)
            writer.WriteStringValue(_btf.GetStringBytes(name));
        else if (signed)
            writer.WriteNumberValue((long)value);
        else
            writer.WriteNumberValue(value);
    }

    private static void WriteFloat(Utf8JsonWriter writer, ReadOnlySpan<byte> data, uint size)
    {
        double value;
        switch (size)
        {
            case 2:
                value = (double)BinaryPrimitives.ReadHalfLittleEndian(data);
                break;
            case 4:
                value = BinaryPrimitives.ReadSingleLittleEndian(data);
                break;
            case 8:
                value = BinaryPrimitives.ReadDoubleLittleEndian(data);
                break;
            default:
                // long double and friends: no portable reading, so the bytes, as a hex string.
                Span<char> hex = stackalloc char[2 + 32];
                "0x".CopyTo(hex);
                Convert.TryToHexStringLower(data[..(int)Math.Min(size, 16)], hex[2..], out var written);
                writer.WriteStringValue(hex[..(2 + written)]);
                return;
        }

        // JSON has no NaN or infinities: those are written as the strings .NET formats them as.
        if (double.IsFinite(value))
            writer.WriteNumberValue(value);
        else
            writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
    }

    private static void WriteUtf8String(Utf8JsonWriter writer, ReadOnlySpan<byte> text)
    {
        if (Utf8.IsValid(text))
        {
            writer.WriteStringValue(text);
            return;
        }

        // Invalid UTF-8 (a truncated path, binary data): each bad byte becomes U+FFFD, as a decoder would show it.
        char[]? rented = null;
        var chars = text.Length <= 256 ? stackalloc char[256] : (rented = ArrayPool<char>.Shared.Rent(text.Length));
        try
        {
            var count = Encoding.UTF8.GetChars(text, chars);
            writer.WriteStringValue(chars[..count]);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>True for arrays that hold text: elements of the C type <c>char</c> (signed or not by the target), through typedefs.</summary>
    internal static bool IsChar(BtfSpec btf, uint elementTypeId) =>
        btf.TypeById(btf.SkipModifiers(elementTypeId)) is BtfInt { Size: 1 } c
        && ((c.Encoding & BtfIntEncoding.CHAR) != 0 || btf.GetStringBytes(c.NameOff).SequenceEqual("char"u8));

    /// <summary>Reads <paramref name="count"/> bits (at most 128) starting <paramref name="bitOffset"/> bits into <paramref name="data"/>, little-endian.</summary>
    private static UInt128 Bits(ReadOnlySpan<byte> data, ulong bitOffset, uint count)
    {
        var first = (int)(bitOffset / 8);
        var shift = (int)(bitOffset % 8);
        var bytes = (int)((shift + count + 7) / 8);
        Span<byte> window = stackalloc byte[17];
        window.Clear();
        data.Slice(first, bytes).CopyTo(window);
        var value = BinaryPrimitives.ReadUInt128LittleEndian(window) >> shift;
        if (shift != 0 && bytes == 17)
            value |= (UInt128)window[16] << (128 - shift);
        return count >= 128 ? value : value & ((UInt128.One << (int)count) - 1);
    }


    private static ulong SignExtend(ulong value, int bits, bool signed)
    {
        if (!signed || bits >= 64)
            return value;
        var unused = 64 - bits;
        return (ulong)((long)(value << unused) >> unused);
    }
}
