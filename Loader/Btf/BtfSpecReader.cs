using System.Buffers;
using System.Globalization;

namespace ManagedBpf.Loader.Btf;

/// <summary>
/// Validates a BTF blob: the header, the string section, and every type record (known kind, record inside the
/// type section, every referenced type id and name offset in range). After it, decoding a type cannot fail.
/// Only 4 bytes of index per type are allocated, bounded by the input size.
/// </summary>
internal static class BtfSpecReader
{
    public readonly record struct Result(BtfHeader Header, ReadOnlyMemory<byte> Types, ReadOnlyMemory<byte> Strings, int[] Offsets);

    public static Result Read(ReadOnlyMemory<byte> data, BtfSpec? baseBtf, string section)
    {
        var blob = new BinaryBlock(data.Span, section);
        var header = ReadHeader(blob);
        var typesStart = (ulong)header.HdrLen + header.TypeOff;
        var stringsStart = (ulong)header.HdrLen + header.StrOff;
        var strings = blob.Slice(stringsStart, header.StrLen);
        CheckStrings(blob, strings, stringsStart, isSplit: baseBtf is not null);

        var types = blob.Sub(typesStart, header.TypeLen, section);
        var offsets = Scan(blob, types, typesStart, baseBtf);
        var firstId = baseBtf?.TypeCount ?? 1u;
        var typeCount = firstId + (uint)offsets.Length;
        var stringLimit = (ulong)(baseBtf?.StringsEnd ?? 0) + header.StrLen;
        Validate(blob, types, typesStart, offsets, firstId, typeCount, stringLimit);

        return new Result(header, data.Slice((int)typesStart, (int)header.TypeLen), data.Slice((int)stringsStart, (int)header.StrLen), offsets);
    }

    private static BtfHeader ReadHeader(BinaryBlock blob)
    {
        if (blob.Length < 8)
        {
            blob.Fail($"BTF is {blob.Length} bytes, too short for a header", 0);
        }

        var magic = blob.U16(0);
        if (magic == 0x9FEB)
        {
            blob.Fail("big-endian BTF is not supported (object built with clang -target bpfeb?)", 0);
        }

        if (magic != BtfHeader.Magic)
        {
            blob.Fail(Invariant($"bad BTF magic 0x{magic:x4}, expected 0xeb9f"), 0);
        }

        var version = blob.U8(2);
        if (version != BtfHeader.CurrentVersion)
        {
            blob.Fail(Invariant($"unsupported BTF version {version}, expected {BtfHeader.CurrentVersion}"), 2);
        }

        var hdrLen = blob.U32(4);
        if (hdrLen < BtfHeader.Size)
        {
            blob.Fail(Invariant($"BTF hdr_len {hdrLen} is shorter than the {BtfHeader.Size}-byte header"), 4);
        }

        if (hdrLen > (uint)blob.Length)
        {
            blob.Fail(Invariant($"BTF hdr_len {hdrLen} exceeds the {blob.Length} bytes of data"), 4);
        }

        var header = new BtfHeader(version, blob.U8(3), hdrLen, blob.U32(8), blob.U32(12), blob.U32(16), blob.U32(20));
        var payload = (ulong)blob.Length - hdrLen;
        if (!BinaryBlock.Fits(header.TypeOff, header.TypeLen, (int)payload))
        {
            blob.Fail(Invariant($"BTF type section (type_off {header.TypeOff}, type_len {header.TypeLen}) exceeds the {payload} bytes after the header"), 8);
        }

        if (!BinaryBlock.Fits(header.StrOff, header.StrLen, (int)payload))
        {
            blob.Fail(Invariant($"BTF string section (str_off {header.StrOff}, str_len {header.StrLen}) exceeds the {payload} bytes after the header"), 16);
        }

        // As libbpf: types come first and do not overlap the strings.
        if ((ulong)header.TypeOff + header.TypeLen > header.StrOff)
        {
            blob.Fail(Invariant($"BTF type section (type_off {header.TypeOff}, type_len {header.TypeLen}) overlaps or follows the string section at {header.StrOff}"), 8);
        }

        if (header.TypeOff % 4 != 0 || header.TypeLen % 4 != 0)
        {
            blob.Fail(Invariant($"BTF type section (type_off {header.TypeOff}, type_len {header.TypeLen}) is not 4-byte aligned"), 8);
        }

        return header;
    }

    private static void CheckStrings(BinaryBlock blob, ReadOnlySpan<byte> strings, ulong stringsStart, bool isSplit)
    {
        // Split BTF may add no strings at all; base BTF needs at least the empty string at offset 0.
        if (strings.IsEmpty)
        {
            if (!isSplit)
            {
                blob.Fail("BTF string section is empty (it must start with the empty string)", 20);
            }

            return;
        }

        if (!isSplit && strings[0] != 0)
        {
            blob.Fail("BTF string section does not start with the empty string", stringsStart);
        }

        if (strings[^1] != 0)
        {
            blob.Fail("BTF string section is not NUL-terminated", stringsStart + (ulong)strings.Length - 1);
        }
    }

    private static int[] Scan(BinaryBlock blob, BinaryBlock types, ulong typesStart, BtfSpec? baseBtf)
    {
        // Every record is at least 12 bytes, so the scratch index is bounded by the input size; the kept
        // index is exact (vmlinux averages ~40 bytes per type, so renting avoids a 3x-oversized allocation).
        var scratch = ArrayPool<int>.Shared.Rent(Math.Max(1, types.Length / BtfLayout.TypeSize));
        try
        {
            var count = 0;
            var firstId = baseBtf?.TypeCount ?? 1u;
            var at = 0;
            while (at < types.Length)
            {
                var id = firstId + (uint)count;
                if (types.Length - at < BtfLayout.TypeSize)
                {
                    blob.Fail(Invariant($"BTF type [{id}] is truncated: {types.Length - at} bytes left for a {BtfLayout.TypeSize}-byte btf_type"), typesStart + (ulong)at);
                }

                var info = types.U32((ulong)at + 4);
                var kind = BtfLayout.Kind(info);
                var trailer = BtfLayout.TrailerSize(kind, BtfLayout.Vlen(info));
                if (trailer < 0 || kind == BtfKind.UNKN)
                {
                    blob.Fail(Invariant($"BTF type [{id}] has unknown kind {(int)kind}"), typesStart + (ulong)at + 4);
                }

                var size = BtfLayout.TypeSize + trailer;
                if (size > types.Length - at)
                {
                    blob.Fail(Invariant($"BTF type [{id}] {kind} with vlen {BtfLayout.Vlen(info)} needs {size} bytes, but only {types.Length - at} remain in the type section"), typesStart + (ulong)at);
                }

                scratch[count++] = at;
                at += size;
            }

            return scratch.AsSpan(0, count).ToArray();
        }
        finally
        {
            ArrayPool<int>.Shared.Return(scratch);
        }
    }

    private static void Validate(BinaryBlock blob, BinaryBlock types, ulong typesStart, int[] offsets, uint firstId, uint typeCount, ulong stringLimit)
    {
        for (var i = 0; i < offsets.Length; i++)
        {
            var id = firstId + (uint)i;
            var at = (ulong)offsets[i];
            var info = types.U32(at + 4);
            var kind = BtfLayout.Kind(info);
            var vlen = BtfLayout.Vlen(info);
            var data = at + BtfLayout.TypeSize;
            var c = new Checker(blob, types, typesStart, id, kind, typeCount, stringLimit);
            c.Name(at);
            switch (kind)
            {
                case BtfKind.PTR or BtfKind.TYPEDEF or BtfKind.VOLATILE or BtfKind.CONST or BtfKind.RESTRICT
                    or BtfKind.TYPE_TAG or BtfKind.FUNC or BtfKind.VAR or BtfKind.DECL_TAG:
                    c.Type(at + 8);
                    break;
                case BtfKind.ARRAY:
                    c.Type(data);
                    c.Type(data + 4);
                    break;
                case BtfKind.STRUCT or BtfKind.UNION:
                    for (var m = 0; m < vlen; m++)
                    {
                        var e = data + ((ulong)m * BtfLayout.MemberSize);
                        c.Name(e);
                        c.Type(e + 4);
                    }

                    break;
                case BtfKind.ENUM:
                    for (var m = 0; m < vlen; m++)
                    {
                        c.Name(data + ((ulong)m * BtfLayout.EnumSize));
                    }

                    break;
                case BtfKind.ENUM64:
                    for (var m = 0; m < vlen; m++)
                    {
                        c.Name(data + ((ulong)m * BtfLayout.Enum64Size));
                    }

                    break;
                case BtfKind.FUNC_PROTO:
                    c.Type(at + 8);
                    for (var m = 0; m < vlen; m++)
                    {
                        var e = data + ((ulong)m * BtfLayout.ParamSize);
                        c.Name(e);
                        c.Type(e + 4);
                    }

                    break;
                case BtfKind.DATASEC:
                    for (var m = 0; m < vlen; m++)
                    {
                        c.Type(data + ((ulong)m * BtfLayout.VarSecinfoSize));
                    }

                    break;
            }
        }
    }

    /// <summary>Checks the type ids and name offsets stored in one type record.</summary>
    private readonly ref struct Checker
    {
        private readonly BinaryBlock _blob;
        private readonly BinaryBlock _types;
        private readonly ulong _typesStart;
        private readonly uint _id;
        private readonly BtfKind _kind;
        private readonly uint _typeCount;
        private readonly ulong _stringLimit;

        public Checker(BinaryBlock blob, BinaryBlock types, ulong typesStart, uint id, BtfKind kind, uint typeCount, ulong stringLimit)
        {
            _blob = blob;
            _types = types;
            _typesStart = typesStart;
            _id = id;
            _kind = kind;
            _typeCount = typeCount;
            _stringLimit = stringLimit;
        }

        public void Name(ulong at)
        {
            var off = _types.U32(at);
            if (off >= _stringLimit && off != 0)
            {
                _blob.Fail(Invariant($"BTF type [{_id}] {_kind}: name offset {off} is outside the {_stringLimit}-byte string section"), _typesStart + at);
            }
        }

        public void Type(ulong at)
        {
            var target = _types.U32(at);
            if (target >= _typeCount)
            {
                _blob.Fail(Invariant($"BTF type [{_id}] {_kind} refers to type [{target}], but the last type is [{_typeCount - 1}]"), _typesStart + at);
            }
        }
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
