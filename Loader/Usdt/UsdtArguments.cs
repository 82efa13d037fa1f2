using System.Globalization;

namespace ManagedBpf.Loader.Usdt;

/// <summary>
/// Parses a USDT argument specification for x86_64, the forms libbpf's <c>parse_usdt_arg</c> reads (GNU assembler
/// operand syntax after a signed size and <c>@</c>; spaces allowed around each part):
/// <c>SIZE@$IMM</c> (constant), <c>SIZE@%REG</c> (register), <c>SIZE@OFF(%REG)</c> and <c>SIZE@(%REG)</c> (memory at a
/// register), and <c>SIZE@[OFF](%BASE,%INDEX[,SCALE])</c> (scale-index-base memory, which only libbpf 1.7's
/// <c>usdt.bpf.h</c> can read). A negative size means signed; sizes are 1, 2, 4 or 8 bytes. Offsets and immediates
/// are decimal, as the assembler prints them; symbolic operands (<c>sym(%rip)</c>, <c>$sym</c>) are refused, as by libbpf.
/// </summary>
public static class UsdtArguments
{
    /// <summary><c>BPF_USDT_MAX_ARG_CNT</c> of libbpf's <c>usdt.bpf.h</c> (12 in 1.1 and since).</summary>
    public const int DefaultMaxArguments = 12;

    /// <summary>Parses every argument of <paramref name="specification"/>.</summary>
    /// <param name="specification">A note's argument string, such as <c>-4@%edi 8@-16(%rbp) 4@$5</c>; empty for none.</param>
    /// <param name="maxArguments">How many the object's <c>struct __bpf_usdt_spec</c> holds.</param>
    /// <returns>The arguments in order.</returns>
    /// <exception cref="FormatException">An argument is not one of the forms above, names a register libbpf does not know, has a size other than 1, 2, 4 or 8 (signed or not) or a scale other than 1, 2, 4 or 8, or there are more than <paramref name="maxArguments"/>.</exception>
    public static IReadOnlyList<UsdtArgument> Parse(string specification, int maxArguments = DefaultMaxArguments)
    {
        ArgumentNullException.ThrowIfNull(specification);
        var result = new List<UsdtArgument>();
        var reader = new Reader(specification);
        reader.SkipSpaces();
        while (!reader.AtEnd)
        {
            if (result.Count >= maxArguments)
                throw new FormatException($"USDT argument specification '{specification}' has more than {maxArguments} arguments, the most struct __bpf_usdt_spec holds (BPF_USDT_MAX_ARG_CNT).");
            result.Add(ParseOne(reader, result.Count, specification));
            reader.SkipSpaces();
        }

        return result;
    }

    private static UsdtArgument ParseOne(Reader reader, int index, string specification)
    {
        var start = reader.Position;
        FormatException Unrecognized(string why) => new(
            $"USDT argument #{index} '{reader.TokenFrom(start)}' of '{specification}' is not one libbpf reads: {why}.");

        if (reader.Integer() is not { } size)
            throw Unrecognized("expected a size (1, 2, 4 or 8; negative for signed) before '@'");
        reader.SkipSpaces();
        if (!reader.Take('@'))
            throw Unrecognized("expected '@' after the size");
        reader.SkipSpaces();

        UsdtArgumentKind kind;
        long offset = 0;
        string? register = null, indexRegister = null;
        long scale = 1;
        if (reader.Take('$'))
        {
            kind = UsdtArgumentKind.Constant;
            offset = reader.Integer() ?? throw Unrecognized("a constant must be a decimal number ('$sym' immediates are not supported)");
        }
        else if (reader.Take('%'))
        {
            kind = UsdtArgumentKind.Register;
            register = reader.Until(' ', '\t', '\n');
        }
        else
        {
            if (!reader.Peek('('))
                offset = reader.Integer() ?? throw Unrecognized("expected $IMM, %REG, OFF(%REG), (%REG) or OFF(%BASE,%INDEX,SCALE); symbolic offsets such as 'sym(%rip)' are not supported");
            reader.SkipSpaces();
            if (!reader.Take('('))
                throw Unrecognized("expected '(' after the offset");
            reader.SkipSpaces();
            if (!reader.Take('%'))
                throw Unrecognized("expected %REG inside the parentheses");
            register = reader.Until(',', ')').TrimEnd();
            kind = UsdtArgumentKind.RegisterDereference;
            if (reader.Take(','))
            {
                kind = UsdtArgumentKind.ScaleIndexBase;
                reader.SkipSpaces();
                if (!reader.Take('%'))
                    throw Unrecognized("expected %INDEX after the base register");
                indexRegister = reader.Until(',', ')').TrimEnd();
                if (reader.Take(','))
                {
                    reader.SkipSpaces();
                    scale = (reader.Integer() ?? throw Unrecognized("expected a scale (1, 2, 4 or 8) after the index register"));
                    reader.SkipSpaces();
                }
            }

            if (!reader.Take(')'))
                throw Unrecognized("expected ')'");
        }

        if (!reader.AtEnd && !reader.AtSpace)
            throw Unrecognized($"unexpected '{reader.Rest}' after the operand");

        var text = reader.TokenFrom(start).Trim();
        var width = size is >= -8 and <= 8 ? (int)Math.Abs(size) : 0;
        if (width is not (1 or 2 or 4 or 8))
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"USDT argument #{index} '{text}' of '{specification}' has size {size}; sizes are 1, 2, 4 or 8 bytes (negative for signed)."));
        if (scale is not (1 or 2 or 4 or 8))
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"USDT argument #{index} '{text}' of '{specification}' has scale {scale}; scales are 1, 2, 4 or 8."));
        return new UsdtArgument(
            text, kind, width, size < 0, offset,
            register, register is null ? (short)0 : Offset(register, index, text, specification),
            indexRegister, indexRegister is null ? (short)0 : Offset(indexRegister, index, text, specification), (int)scale);
    }

    private static short Offset(string register, int index, string text, string specification) =>
        X86PtRegs.TryGetOffset(register, out var offset)
            ? offset
            : throw new FormatException($"USDT argument #{index} '{text}' of '{specification}' names register '%{register}', which is not a general-purpose register of x86_64's struct pt_regs (libbpf knows rip/eip, rax…rsp with their 32-, 16- and 8-bit names, and r8–r15 with d, w and b).");

    /// <summary>A cursor over the specification, with the few scanf-like reads the forms need.</summary>
    private sealed class Reader(string text)
    {
        private readonly string _text = text;

        public int Position { get; private set; }

        public bool AtEnd => Position >= _text.Length;

        public bool AtSpace => !AtEnd && char.IsWhiteSpace(_text[Position]);

        public string Rest => _text[Position..].Split(' ', 2)[0];

        public string TokenFrom(int start)
        {
            var end = Position;
            while (end < _text.Length && !char.IsWhiteSpace(_text[end]))
                end++;
            return _text[start..end];
        }

        public void SkipSpaces()
        {
            while (AtSpace)
                Position++;
        }

        public bool Peek(char c) => !AtEnd && _text[Position] == c;

        public bool Take(char c)
        {
            if (!Peek(c))
                return false;
            Position++;
            return true;
        }

        /// <summary>What scanf's <c>%ld</c> takes: an optional sign and decimal digits; null (and nothing consumed) when there are none or they overflow.</summary>
        public long? Integer()
        {
            var start = Position;
            var end = start;
            if (end < _text.Length && _text[end] is '+' or '-')
                end++;
            var digits = end;
            while (end < _text.Length && char.IsAsciiDigit(_text[end]))
                end++;
            if (end == digits || !long.TryParse(_text.AsSpan(start, end - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
                return null;
            Position = end;
            return value;
        }

        /// <summary>Everything up to (not including) the first of <paramref name="stops"/>, or the end.</summary>
        public string Until(params ReadOnlySpan<char> stops)
        {
            var start = Position;
            while (!AtEnd && stops.IndexOf(_text[Position]) < 0)
                Position++;
            return _text[start..Position];
        }
    }
}
