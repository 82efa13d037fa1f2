using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader.Tests.Generation;

/// <summary>
/// Checks a loaded generated type against BTF, independently of the generator: the runtime's size and field offsets
/// against BTF's, bitfield properties and char-array strings against <see cref="BtfValueWriter"/>'s reading of the same
/// bytes, enumerator values against BTF's. Returns how many members it checked.
/// </summary>
internal static class GeneratedLayoutCheck
{
    private const BindingFlags Members = BindingFlags.Public | BindingFlags.Instance;

    public static int Check(BtfSpec btf, Type type, uint typeId)
    {
        var id = btf.SkipModifiers(typeId);
        var btfType = btf.TypeById(id);
        Assert.Equal((int)btf.GetSize(id), GeneratedCode.SizeOf(type));
        switch (btfType)
        {
            case BtfEnum or BtfEnum64:
                return CheckEnum(btf, type, btfType);
            case BtfArray array:
                Assert.NotNull(type.GetCustomAttribute<InlineArrayAttribute>());
                Assert.Equal((int)array.Nelems, type.GetCustomAttribute<InlineArrayAttribute>()!.Length);
                var element = type.GetFields(BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Instance).Single().FieldType;
                return 1 + (IsGenerated(btf, array.TypeId) ? Check(btf, element, array.TypeId) : 0);
            case BtfComposite composite:
                return CheckComposite(btf, type, id, composite);
            default:
                return 0;
        }
    }

    private static bool IsGenerated(BtfSpec btf, uint typeId) =>
        btf.TypeById(btf.SkipModifiers(typeId)) is BtfComposite or BtfEnum or BtfEnum64 or BtfArray { Nelems: > 0 };

    private static int CheckEnum(BtfSpec btf, Type type, BtfType btfType)
    {
        Assert.True(type.IsEnum);
        var values = type.GetFields(BindingFlags.Public | BindingFlags.Static).ToDictionary(GeneratedCode.CName, f => Numeric(f.GetValue(null)!));
        var expected = btfType switch
        {
            BtfEnum e => e.Values.Select(v => (btf.GetString(v.NameOff), (Int128)e.ValueOf(v))),
            BtfEnum64 e => e.Values.Select(v => (btf.GetString(v.NameOff), e.IsSigned ? (Int128)(long)v.Val : v.Val)),
            _ => [],
        };
        var count = 0;
        foreach (var (name, value) in expected)
        {
            Assert.Equal(value, values[name]);
            count++;
        }

        return count;
    }

    private static int CheckComposite(BtfSpec btf, Type type, uint id, BtfComposite composite)
    {
        Assert.Equal(LayoutKind.Explicit, type.StructLayoutAttribute!.Value);
        var leaves = new List<(string Name, uint TypeId, uint BitOffset, uint Bits)>();
        Flatten(btf, composite, 0, leaves);
        var byName = type.GetMembers(Members).Where(m => m is FieldInfo or PropertyInfo).GroupBy(GeneratedCode.CName).ToDictionary(g => g.Key, g => g.First());
        var random = new Random((int)id);
        var samples = Enumerable.Range(0, 4).Select(_ => { var b = new byte[composite.Size]; random.NextBytes(b); return b; }).ToList();
        var writer = new BtfValueWriter(btf, id);
        var count = 0;
        foreach (var leaf in leaves)
        {
            var memberType = btf.SkipModifiers(leaf.TypeId);
            if (btf.TypeById(memberType) is BtfArray { Nelems: 0 })
                continue; // a flexible array member has no bytes and no field
            var member = byName[leaf.Name];
            count++;
            if (leaf.Bits != 0)
            {
                var property = Assert.IsAssignableFrom<PropertyInfo>(member);
                foreach (var sample in samples)
                {
                    var expected = Expected(btf, memberType, Json(writer, sample).GetProperty(leaf.Name));
                    Assert.Equal(expected, Numeric(property.GetValue(GeneratedCode.FromBytes(type, sample))!));
                }

                if (composite is BtfStruct)
                {
                    // Setting the property writes exactly its bits: the other leaves read as before.
                    var target = GeneratedCode.FromBytes(type, samples[1]);
                    property.SetValue(target, property.GetValue(GeneratedCode.FromBytes(type, samples[0])));
                    var after = Json(writer, GeneratedCode.ToBytes(target));
                    var before = Json(writer, samples[1]);
                    Assert.Equal(Json(writer, samples[0]).GetProperty(leaf.Name).GetRawText(), after.GetProperty(leaf.Name).GetRawText());
                    foreach (var other in leaves.Where(o => o.Name != leaf.Name && btf.TypeById(btf.SkipModifiers(o.TypeId)) is BtfInt or BtfEnum or BtfEnum64))
                    {
                        var otherBits = other.Bits != 0 ? other.Bits : btf.GetSize(other.TypeId) * 8;
                        if (other.BitOffset < leaf.BitOffset + leaf.Bits && leaf.BitOffset < other.BitOffset + otherBits)
                            continue;
                        Assert.Equal(before.GetProperty(other.Name).GetRawText(), after.GetProperty(other.Name).GetRawText());
                    }
                }

                continue;
            }

            var field = Assert.IsAssignableFrom<FieldInfo>(member);
            Assert.Equal(leaf.BitOffset / 8, (uint)Marshal.OffsetOf(type, field.Name));
            Assert.Equal((int)btf.GetSize(memberType), GeneratedCode.SizeOf(field.FieldType));
            if (btf.TypeById(memberType) is BtfArray array && BtfValueWriter.IsChar(btf, array.TypeId))
            {
                var text = type.GetProperty(field.Name + "String", Members)!;
                foreach (var sample in samples.Append(new byte[composite.Size]))
                {
                    Array.Copy("hi\0x"u8.ToArray(), 0, sample, leaf.BitOffset / 8, Math.Min(4, (int)array.Nelems));
                    Assert.Equal(Json(writer, sample).GetProperty(leaf.Name).GetString(), text.GetValue(GeneratedCode.FromBytes(type, sample)));
                }
            }

            if (IsGenerated(btf, memberType))
                count += Check(btf, field.FieldType, memberType);
        }

        return count;
    }

    private static void Flatten(BtfSpec btf, BtfComposite composite, uint baseBits, List<(string, uint, uint, uint)> leaves)
    {
        foreach (var member in composite.Members)
        {
            var memberType = btf.SkipModifiers(member.TypeId);
            var at = baseBits + member.BitOffset;
            if (member.NameOff == 0)
            {
                if (btf.TypeById(memberType) is BtfComposite inner)
                    Flatten(btf, inner, at, leaves);
                continue;
            }

            var name = btf.GetString(member.NameOff);
            if (member.BitfieldSize != 0)
                leaves.Add((name, member.TypeId, at, member.BitfieldSize));
            else if (btf.TypeById(memberType) is BtfInt i && (i.Offset != 0 || (i.Bits != 0 && i.Bits != i.Size * 8) || at % 8 != 0))
                leaves.Add((name, member.TypeId, at + i.Offset, i.Bits));
            else
                leaves.Add((name, member.TypeId, at, 0));
        }
    }

    private static JsonElement Json(BtfValueWriter writer, byte[] bytes)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
            writer.Write(json, bytes);
        return JsonDocument.Parse(buffer.WrittenMemory).RootElement.Clone();
    }

    /// <summary>The number <see cref="BtfValueWriter"/> wrote (an enumerator's name as its value).</summary>
    private static Int128 Expected(BtfSpec btf, uint typeId, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => 1,
        JsonValueKind.False => 0,
        JsonValueKind.String => btf.TypeById(typeId) switch
        {
            BtfEnum e => e.ValueOf(e.Values.First(v => btf.GetString(v.NameOff) == value.GetString())),
            BtfEnum64 e => e.Values.First(v => btf.GetString(v.NameOff) == value.GetString()).Val,
            _ => throw new InvalidOperationException(value.GetRawText()),
        },
        _ => value.TryGetInt64(out var signed) ? signed : value.GetUInt64(),
    };

    private static Int128 Numeric(object value) => value switch
    {
        bool b => b ? 1 : 0,
        Enum e => Numeric(Convert.ChangeType(e, Enum.GetUnderlyingType(e.GetType()), System.Globalization.CultureInfo.InvariantCulture)),
        sbyte x => x, byte x => x, short x => x, ushort x => x, int x => x, uint x => x, long x => x, ulong x => x,
        _ => throw new InvalidOperationException(value.GetType().Name),
    };
}
