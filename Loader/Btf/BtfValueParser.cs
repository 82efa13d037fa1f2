using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace ManagedBpf.Loader.Btf;

/// <summary>
/// Turns text into the bytes of a value of one BTF type, for setting <c>const volatile</c> configuration from a
/// command line: integers (decimal, <c>0x</c> hex, negative for signed types, range-checked), <c>_Bool</c>
/// (<c>true</c>/<c>false</c>/<c>1</c>/<c>0</c>), enums (an enumerator's name or a number), floats, and arrays of
/// <c>char</c> (the text as UTF-8, NUL-padded).
/// </summary>
public static class BtfValueParser
{
    /// <summary>Parses <paramref name="text"/> as a value of <paramref name="typeId"/> into <paramref name="destination"/>.</summary>
    /// <param name="btf">The BTF describing the type.</param>
    /// <param name="typeId">The type (modifiers, typedefs and a VAR are looked through).</param>
    /// <param name="text">The value as text.</param>
    /// <param name="destination">Exactly the type's size; every byte is written.</param>
    /// <exception cref="FormatException">The text is not a value of the type, or does not fit; the message says the rule.</exception>
    /// <exception cref="ArgumentException">The type is not one text can set, or <paramref name="destination"/> is not its size.</exception>
    public static void Parse(BtfSpec btf, uint typeId, string text, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(btf);
        ArgumentNullException.ThrowIfNull(text);
        var size = btf.GetSize(typeId);
        if ((uint)destination.Length != size)
            throw new ArgumentException($"The destination has {destination.Length} bytes; {btf.Describe(typeId)} has {size}.", nameof(destination));

        // Parsed into scratch and copied at the end, so refused text leaves the destination as it was.
        var scratch = size <= 256 ? stackalloc byte[(int)size] : new byte[size];
        scratch.Clear();
        Fill(btf, typeId, text, scratch);
        scratch.CopyTo(destination);
    }

    private static void Fill(BtfSpec btf, uint typeId, string text, Span<byte> destination)
    {
        var id = btf.SkipModifiers(typeId);
        if (btf.TypeById(id) is BtfVar variable)
            id = btf.SkipModifiers(variable.TypeId);
        switch (btf.TypeById(id))
        {
            case BtfInt i when (i.Encoding & BtfIntEncoding.BOOL) != 0:
                destination[0] = text.Trim() switch
                {
                    "true" or "1" => 1,
                    "false" or "0" => 0,
                    _ => throw new FormatException($"'{text}' is not a bool: use true, false, 1 or 0."),
                };
                break;
            case BtfInt i when i.Size <= 8:
                WriteInteger(destination, ParseInteger(text, (int)i.Size * 8, i.IsSigned, btf.Describe(id)));
                break;
            case BtfEnum e:
                WriteInteger(destination, ParseEnumerator(btf, text, e.Values.Select(v => (v.NameOff, e.ValueOf(v))), (int)e.Size * 8, e.IsSigned, id));
                break;
            case BtfEnum64 e:
                WriteInteger(destination, ParseEnumerator(btf, text, e.Values.Select(v => (v.NameOff, (long)v.Val)), (int)e.Size * 8, e.IsSigned, id));
                break;
            case BtfFloat { Size: 4 }:
                BinaryPrimitives.WriteSingleLittleEndian(destination, float.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
                break;
            case BtfFloat { Size: 8 }:
                BinaryPrimitives.WriteDoubleLittleEndian(destination, double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
                break;
            case BtfArray a when BtfValueWriter.IsChar(btf, a.TypeId):
                var count = Encoding.UTF8.GetByteCount(text);
                if (count >= destination.Length)
                    throw new FormatException($"'{text}' is {count} bytes of UTF-8; {btf.Describe(typeId)} holds at most {destination.Length - 1} and the terminating NUL.");
                Encoding.UTF8.GetBytes(text, destination);
                break;
            default:
                throw new ArgumentException(
                    $"{btf.Describe(id)} cannot be set from text: integers, bools, enums, floats and char arrays can.", nameof(typeId));
        }
    }

    private static long ParseInteger(string text, int bits, bool signed, string type)
    {
        var s = text.Trim().Replace("_", "", StringComparison.Ordinal);
        var negative = s.StartsWith('-');
        var digits = negative ? s[1..] : s;
        var hex = digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        digits = hex ? digits[2..] : digits;
        BigInteger value = default;
        var ok = digits.Length > 0 && (hex
            ? BigInteger.TryParse("0" + digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : BigInteger.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value));
        if (!ok)
            throw new FormatException($"'{text}' is not an integer (decimal, or hex with 0x).");
        value = negative ? -value : value;
        var min = signed ? -(BigInteger.One << (bits - 1)) : BigInteger.Zero;
        var max = signed ? (BigInteger.One << (bits - 1)) - 1 : (BigInteger.One << bits) - 1;
        if (value < min || value > max)
            throw new FormatException($"{text} does not fit {type}: it holds {min} to {max}.");
        return (long)(ulong)(value & ulong.MaxValue);
    }

    private static long ParseEnumerator(BtfSpec btf, string text, IEnumerable<(uint NameOff, long Value)> enumerators, int bits, bool signed, uint enumId)
    {
        var name = text.Trim();
        var known = enumerators.ToList();
        foreach (var (nameOff, value) in known)
        {
            if (btf.GetString(nameOff) == name)
                return value;
        }

        if (name.Length > 0 && (char.IsAsciiDigit(name[0]) || name[0] == '-'))
            return ParseInteger(name, bits, signed, btf.Describe(enumId));
        throw new FormatException(
            $"'{text}' is not an enumerator of {btf.Describe(enumId)}: use one of {string.Join(", ", known.Select(e => btf.GetString(e.NameOff)))}, or a number.");
    }

    private static void WriteInteger(Span<byte> destination, long value)
    {
        Span<byte> eight = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(eight, value);
        eight[..destination.Length].CopyTo(destination);
    }
}
