using System.Buffers.Binary;
using System.Globalization;

namespace ManagedBpf.Loader.Btf;

/// <summary>
/// Encodes a list of types and a string section as a <c>.BTF</c> blob: a 24-byte header, the types from id 1
/// (or the split base's next id) in order, then the strings. The loader uses it to hand the kernel a sanitised
/// copy of an object's BTF (kinds or flags an older kernel lacks replaced) through <c>BPF_BTF_LOAD</c>.
/// </summary>
public static class BtfWriter
{
    /// <summary>Encodes <paramref name="types"/> and <paramref name="strings"/> as BTF.</summary>
    /// <param name="types">The types in id order, without <c>void</c>.</param>
    /// <param name="strings">The string section the types' name offsets point into, written as is.</param>
    /// <param name="flags">The header's <c>flags</c> byte.</param>
    /// <returns>The encoded blob.</returns>
    /// <exception cref="ArgumentException">A type cannot be encoded (void, more than 65,535 entries, a bitfield without the kind flag, a bit offset over 24 bits).</exception>
    public static byte[] Write(IEnumerable<BtfType> types, ReadOnlySpan<byte> strings, byte flags = 0)
    {
        ArgumentNullException.ThrowIfNull(types);
        var list = types as IReadOnlyCollection<BtfType> ?? [.. types];
        long typeLen = 0;
        foreach (var type in list)
        {
            typeLen += EncodedSize(type);
        }

        if (typeLen + strings.Length > int.MaxValue - BtfHeader.Size)
        {
            throw new ArgumentException("the encoded BTF would exceed 2 GiB", nameof(types));
        }

        var output = new byte[BtfHeader.Size + typeLen + strings.Length];
        var span = output.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(span, BtfHeader.Magic);
        span[2] = BtfHeader.CurrentVersion;
        span[3] = flags;
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], BtfHeader.Size);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], 0);                            // type_off
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], (uint)typeLen);              // type_len
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], (uint)typeLen);              // str_off
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], (uint)strings.Length);       // str_len

        var at = BtfHeader.Size;
        foreach (var type in list)
        {
            at += WriteType(span[at..], type);
        }

        strings.CopyTo(span[at..]);
        return output;
    }

    /// <summary>The number of bytes <paramref name="type"/> takes in a type section.</summary>
    /// <param name="type">A type other than <c>void</c>.</param>
    /// <returns>12 plus the kind's trailing data.</returns>
    public static int EncodedSize(BtfType type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var size = BtfLayout.TrailerSize(type.Kind, checked((ushort)Vlen(type)));
        return size < 0 || type.Kind == BtfKind.UNKN
            ? throw new ArgumentException($"{type.Kind} cannot be encoded", nameof(type))
            : BtfLayout.TypeSize + size;
    }

    private static int Vlen(BtfType type)
    {
        var vlen = type switch
        {
            BtfComposite t => t.Members.Length,
            BtfEnum t => t.Values.Length,
            BtfEnum64 t => t.Values.Length,
            BtfFuncProto t => t.Params.Length,
            BtfDatasec t => t.Vars.Length,
            BtfFunc t => (int)t.Linkage,
            _ => 0,
        };
        return vlen > ushort.MaxValue
            ? throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{type.Kind} has {vlen} entries; BTF allows at most 65535"), nameof(type))
            : vlen;
    }

    private static int WriteType(Span<byte> span, BtfType type)
    {
        var vlen = Vlen(type);
        var sizeOrType = type switch
        {
            BtfInt t => t.Size,
            BtfComposite t => t.Size,
            BtfEnum t => t.Size,
            BtfEnum64 t => t.Size,
            BtfDatasec t => t.Size,
            BtfFloat t => t.Size,
            BtfReferenceType t => t.TypeId,
            BtfFunc t => t.TypeId,
            BtfFuncProto t => t.ReturnTypeId,
            BtfVar t => t.TypeId,
            BtfDeclTag t => t.TypeId,
            _ => 0u,
        };
        Put(span, 0, type.NameOff);
        Put(span, 4, BtfLayout.Info(type.Kind, vlen, type.KindFlag));
        Put(span, 8, sizeOrType);
        var data = span[BtfLayout.TypeSize..];
        switch (type)
        {
            case BtfInt t:
                Put(data, 0, ((uint)t.Encoding << 24) | ((uint)t.Offset << 16) | t.Bits);
                break;
            case BtfArray t:
                Put(data, 0, t.TypeId);
                Put(data, 4, t.IndexTypeId);
                Put(data, 8, t.Nelems);
                break;
            case BtfComposite t:
                for (var i = 0; i < t.Members.Length; i++)
                {
                    var m = t.Members[i];
                    Put(data, i * BtfLayout.MemberSize, m.NameOff);
                    Put(data, (i * BtfLayout.MemberSize) + 4, m.TypeId);
                    Put(data, (i * BtfLayout.MemberSize) + 8, MemberOffset(t, m));
                }

                break;
            case BtfEnum t:
                for (var i = 0; i < t.Values.Length; i++)
                {
                    Put(data, i * BtfLayout.EnumSize, t.Values[i].NameOff);
                    Put(data, (i * BtfLayout.EnumSize) + 4, (uint)t.Values[i].Val);
                }

                break;
            case BtfEnum64 t:
                for (var i = 0; i < t.Values.Length; i++)
                {
                    Put(data, i * BtfLayout.Enum64Size, t.Values[i].NameOff);
                    Put(data, (i * BtfLayout.Enum64Size) + 4, (uint)t.Values[i].Val);
                    Put(data, (i * BtfLayout.Enum64Size) + 8, (uint)(t.Values[i].Val >> 32));
                }

                break;
            case BtfFuncProto t:
                for (var i = 0; i < t.Params.Length; i++)
                {
                    Put(data, i * BtfLayout.ParamSize, t.Params[i].NameOff);
                    Put(data, (i * BtfLayout.ParamSize) + 4, t.Params[i].TypeId);
                }

                break;
            case BtfVar t:
                Put(data, 0, (uint)t.Linkage);
                break;
            case BtfDatasec t:
                for (var i = 0; i < t.Vars.Length; i++)
                {
                    Put(data, i * BtfLayout.VarSecinfoSize, t.Vars[i].TypeId);
                    Put(data, (i * BtfLayout.VarSecinfoSize) + 4, t.Vars[i].Offset);
                    Put(data, (i * BtfLayout.VarSecinfoSize) + 8, t.Vars[i].Size);
                }

                break;
            case BtfDeclTag t:
                Put(data, 0, (uint)t.ComponentIdx);
                break;
        }

        return EncodedSize(type);
    }

    private static uint MemberOffset(BtfComposite parent, BtfMember member)
    {
        if (!parent.KindFlag)
        {
            return member.BitfieldSize == 0
                ? member.BitOffset
                : throw new ArgumentException("a bitfield member needs its struct or union's kind flag set", nameof(parent));
        }

        return member.BitOffset <= 0xffffff
            ? ((uint)member.BitfieldSize << 24) | member.BitOffset
            : throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"bit offset {member.BitOffset} does not fit the 24 bits a kind-flagged member has"), nameof(parent));
    }

    private static void Put(Span<byte> span, int at, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(span[at..], value);
}
