using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace ManagedBpf.Cli;

/// <summary>
/// Number options whose value is parsed and range-checked while the command line is parsed, so that a mistyped or
/// out-of-range value is a usage error (one line that states the rule, exit 1) and the command's code only ever sees
/// a valid value. System.CommandLine's own conversion error names a .NET type, and a command validator that reads a
/// value whose conversion failed throws instead of reporting.
/// </summary>
internal static class NumberOption
{
    /// <summary>The largest --duration: a timer takes milliseconds in an int.</summary>
    internal const double MaxSeconds = int.MaxValue / 1000;

    /// <summary>An integer option from <paramref name="min"/> to <paramref name="max"/>.</summary>
    internal static Option<T> Integer<T>(string name, string description, T min, T max, T defaultValue)
        where T : struct, IBinaryInteger<T>, IMinMaxValue<T>
    {
        var rule = string.Create(CultureInfo.InvariantCulture, $"a whole number from {min} to {max}");
        return new Option<T>(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = result => Parse(result, name, rule, (string text, out T value) =>
                T.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) && value >= min && value <= max),
        };
    }

    /// <summary>A size in bytes that is a power-of-two number of pages, as ring buffers and perf buffers are.</summary>
    internal static Option<uint> PageSize(string name, string description, uint max, uint defaultValue)
    {
        var page = (uint)Kernel.KernelInfo.PageSize;
        var rule = string.Create(CultureInfo.InvariantCulture, $"a power-of-two number of pages ({page} bytes each) up to {max} bytes: {page}, {2 * page}, {4 * page}…");
        return new Option<uint>(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = result => Parse(result, name, rule, (string text, out uint value) =>
                uint.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) && value >= page && value <= max
                && value % page == 0 && BitOperations.IsPow2(value / page)),
        };
    }

    /// <summary>A duration in seconds, fractions allowed; 0 (the default) means until Ctrl-C.</summary>
    internal static Option<double> Seconds(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result => Parse(result, name, $"a number of seconds from 0 (until Ctrl-C) to {MaxSeconds}", (string text, out double value) =>
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value >= 0 && value <= MaxSeconds),
    };

    private delegate bool TryParse<T>(string text, out T value);

    private static T Parse<T>(ArgumentResult result, string name, string rule, TryParse<T> tryParse)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (tryParse(text, out var value))
            return value;
        result.AddError($"{name} '{text}': expected {rule}.");
        return default!;
    }
}
