using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.InteropServices;

namespace ManagedBpf.Loader.Btf;

/// <summary>
/// A parsed <c>.BTF.ext</c> section: per ELF section, the func_info, line_info and CO-RE relocation records clang
/// emits for <c>-g</c>. Every record is validated against the object's <c>.BTF</c> (type ids, string offsets,
/// instruction alignment), section names are resolved, and access strings are parsed.
/// </summary>
public sealed class BtfExt
{
    private const string DefaultSection = ".BTF.ext";

    private BtfExt(BtfExtHeader header, BtfExtInfo<BpfFuncInfo> funcInfo, BtfExtInfo<BpfLineInfo> lineInfo, BtfExtInfo<BpfCoreRelo> coreRelo)
    {
        Header = header;
        FuncInfo = funcInfo;
        LineInfo = lineInfo;
        CoreRelo = coreRelo;
    }

    /// <summary>The validated header.</summary>
    public BtfExtHeader Header { get; }

    /// <summary>func_info: one record per function (program or sub-program), record size at least 8.</summary>
    public BtfExtInfo<BpfFuncInfo> FuncInfo { get; }

    /// <summary>line_info: source lines, record size at least 16.</summary>
    public BtfExtInfo<BpfLineInfo> LineInfo { get; }

    /// <summary>core_relo: CO-RE relocations, record size at least 16; empty when the header has no core_relo fields.</summary>
    public BtfExtInfo<BpfCoreRelo> CoreRelo { get; }

    /// <summary>Parses and validates a <c>.BTF.ext</c> section against the object's BTF.</summary>
    /// <param name="data">The section bytes.</param>
    /// <param name="btf">The object's <c>.BTF</c>, whose types and strings the records refer to.</param>
    /// <param name="section">The name used in error messages.</param>
    /// <returns>The parsed section.</returns>
    /// <exception cref="BpfObjectFormatException">The section is malformed or refers outside <paramref name="btf"/>.</exception>
    public static BtfExt Parse(ReadOnlyMemory<byte> data, BtfSpec btf, string section = DefaultSection)
    {
        ArgumentNullException.ThrowIfNull(btf);
        ArgumentNullException.ThrowIfNull(section);
        var blob = new BinaryBlock(data.Span, section);
        var header = ReadHeader(blob);
        return new BtfExt(
            header,
            ReadInfo<BpfFuncInfo, FuncInfoReader>(blob, btf, header.HdrLen, header.FuncInfoOff, header.FuncInfoLen, 8),
            ReadInfo<BpfLineInfo, LineInfoReader>(blob, btf, header.HdrLen, header.LineInfoOff, header.LineInfoLen, 16),
            ReadInfo<BpfCoreRelo, CoreReloReader>(blob, btf, header.HdrLen, header.CoreReloOff, header.CoreReloLen, 24));
    }

    /// <summary>Parses a CO-RE access string such as <c>"0:1:2"</c> into its numbers.</summary>
    /// <param name="accessString">The access string.</param>
    /// <param name="accessors">The numbers.</param>
    /// <returns>False when the string is empty, has an empty or non-decimal part, or a number above <see cref="int.MaxValue"/>.</returns>
    public static bool TryParseAccessString(ReadOnlySpan<char> accessString, out ImmutableArray<int> accessors)
    {
        accessors = [];
        if (accessString.IsEmpty)
        {
            return false;
        }

        var values = new int[accessString.Count(':') + 1];
        var n = 0;
        foreach (var range in accessString.Split(':'))
        {
            var part = accessString[range];
            if (part.IsEmpty || !char.IsAsciiDigit(part[0])
                || !int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out values[n++]))
            {
                return false;
            }
        }

        accessors = [.. values];
        return true;
    }

    private static BtfExtHeader ReadHeader(BinaryBlock blob)
    {
        if (blob.Length < 8)
        {
            blob.Fail($".BTF.ext is {blob.Length} bytes, too short for a header", 0);
        }

        var magic = blob.U16(0);
        if (magic != BtfHeader.Magic)
        {
            blob.Fail(magic == 0x9FEB ? "big-endian .BTF.ext is not supported" : $"bad .BTF.ext magic 0x{magic:x4}, expected 0xeb9f", 0);
        }

        if (blob.U8(2) != BtfHeader.CurrentVersion)
        {
            blob.Fail($"unsupported .BTF.ext version {blob.U8(2)}", 2);
        }

        // As libbpf: no flags are defined, so any set flag means a format this reader does not know.
        if (blob.U8(3) != 0)
        {
            blob.Fail($"unsupported .BTF.ext flags 0x{blob.U8(3):x}", 3);
        }

        var hdrLen = blob.U32(4);
        if (hdrLen < 8 || hdrLen > (uint)blob.Length)
        {
            blob.Fail($".BTF.ext hdr_len {hdrLen} is outside [8, {blob.Length}]", 4);
        }

        // Older writers stop after line_info_len, older still after hdr_len: missing parts are empty.
        var fields = new uint[6];
        for (var i = 0; i < fields.Length && hdrLen >= 12 + (4 * i); i++)
        {
            fields[i] = blob.U32(8 + (4 * (ulong)i));
        }

        return new BtfExtHeader(blob.U8(2), 0, hdrLen, fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]);
    }

    /// <summary>Walks one subsection: <c>rec_size</c>, then <c>btf_ext_info_sec</c> headers each followed by <c>num_info</c> records.</summary>
    private static BtfExtInfo<T> ReadInfo<T, TReader>(BinaryBlock blob, BtfSpec btf, uint hdrLen, uint off, uint len, ulong headerField)
        where TReader : IRecordReader<T>
    {
        if (len == 0)
        {
            return BtfExtInfo<T>.Empty;
        }

        var start = (ulong)hdrLen + off;
        if (off % 4 != 0)
        {
            blob.Fail($"{TReader.Name} subsection offset {off} is not 4-byte aligned", headerField);
        }

        if (!BinaryBlock.Fits(start, len, blob.Length))
        {
            blob.Fail($"{TReader.Name} subsection ({len} bytes at {start}) runs past the end of .BTF.ext", headerField);
        }

        if (len < 4)
        {
            blob.Fail($"{TReader.Name} subsection has no record size", start);
        }

        var recSize = blob.U32(start);
        if (recSize < TReader.MinRecSize || recSize % 4 != 0)
        {
            blob.Fail($"{TReader.Name} record size {recSize} is below {TReader.MinRecSize} or not a multiple of 4", start);
        }

        var end = start + len;
        var at = start + 4;
        var sections = ImmutableArray.CreateBuilder<BtfExtInfoSec<T>>();
        while (at < end)
        {
            if (end - at < 8)
            {
                blob.Fail($"{TReader.Name} section header is truncated", at);
            }

            var secNameOff = blob.U32(at);
            var numInfo = blob.U32(at + 4);
            if (numInfo == 0)
            {
                blob.Fail($"{TReader.Name} section has num_info 0", at + 4);
            }

            // numInfo * recSize is at most 2^64 - 2^33, so the product cannot overflow a ulong.
            if ((ulong)numInfo * recSize > end - at - 8)
            {
                blob.Fail($"{TReader.Name} section with num_info {numInfo} and record size {recSize} runs past the subsection", at + 4);
            }

            var secName = ReadString(blob, btf, secNameOff, at, "section name");
            var records = new T[numInfo];
            var record = at + 8;
            for (var i = 0; i < records.Length; i++, record += recSize)
            {
                var insnOff = blob.U32(record);
                if (insnOff % 8 != 0)
                {
                    blob.Fail($"{TReader.Name} record for {secName} has insn_off {insnOff}, not a multiple of the 8-byte instruction size", record);
                }

                records[i] = TReader.Read(blob, btf, record);
            }

            sections.Add(new BtfExtInfoSec<T>(secNameOff, secName, ImmutableCollectionsMarshal.AsImmutableArray(records)));
            at = record;
        }

        return new BtfExtInfo<T>(recSize, sections.DrainToImmutable());
    }

    private static string ReadString(BinaryBlock blob, BtfSpec btf, uint offset, ulong at, string what)
    {
        if (offset >= btf.StringsEnd)
        {
            blob.Fail($"{what} offset {offset} is outside the {btf.StringsEnd}-byte .BTF string section", at);
        }

        return btf.GetString(offset);
    }

    private static uint ReadTypeId(BinaryBlock blob, BtfSpec btf, ulong at)
    {
        var typeId = blob.U32(at);
        if (typeId >= btf.TypeCount)
        {
            blob.Fail($"type_id {typeId} is not below the .BTF type count {btf.TypeCount}", at);
        }

        return typeId;
    }

    /// <summary>Decodes one record kind; static so the generic walk needs no delegates.</summary>
    private interface IRecordReader<T>
    {
        static abstract string Name { get; }

        static abstract uint MinRecSize { get; }

        static abstract T Read(BinaryBlock blob, BtfSpec btf, ulong at);
    }

    private sealed class FuncInfoReader : IRecordReader<BpfFuncInfo>
    {
        public static string Name => "func_info";

        public static uint MinRecSize => 8;

        public static BpfFuncInfo Read(BinaryBlock blob, BtfSpec btf, ulong at)
        {
            var typeId = ReadTypeId(blob, btf, at + 4);
            if (btf.KindOf(typeId) != BtfKind.FUNC)
            {
                blob.Fail($"func_info type_id {typeId} is {btf.KindOf(typeId)}, not FUNC", at + 4);
            }

            return new BpfFuncInfo(blob.U32(at), typeId);
        }
    }

    private sealed class LineInfoReader : IRecordReader<BpfLineInfo>
    {
        public static string Name => "line_info";

        public static uint MinRecSize => 16;

        public static BpfLineInfo Read(BinaryBlock blob, BtfSpec btf, ulong at)
        {
            var fileNameOff = blob.U32(at + 4);
            var lineOff = blob.U32(at + 8);
            _ = ReadString(blob, btf, fileNameOff, at + 4, "line_info file_name_off");
            _ = ReadString(blob, btf, lineOff, at + 8, "line_info line_off");
            return new BpfLineInfo(blob.U32(at), fileNameOff, lineOff, blob.U32(at + 12));
        }
    }

    private sealed class CoreReloReader : IRecordReader<BpfCoreRelo>
    {
        public static string Name => "core_relo";

        public static uint MinRecSize => 16;

        public static BpfCoreRelo Read(BinaryBlock blob, BtfSpec btf, ulong at)
        {
            var typeId = ReadTypeId(blob, btf, at + 4);
            var accessStrOff = blob.U32(at + 8);
            var access = ReadString(blob, btf, accessStrOff, at + 8, "core_relo access_str_off");
            if (!TryParseAccessString(access, out var accessors))
            {
                blob.Fail($"core_relo access string \"{access}\" is not a ':'-separated list of numbers", at + 8);
            }

            return new BpfCoreRelo(blob.U32(at), typeId, accessStrOff, (BpfCoreReloKind)blob.U32(at + 12), access, accessors);
        }
    }
}
