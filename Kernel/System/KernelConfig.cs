using System.Globalization;
using System.IO.Compression;

namespace ManagedBpf.Kernel;

/// <summary>
/// The running kernel's build configuration (<c>CONFIG_*</c>), as BPF programs see it through
/// <c>extern … __kconfig</c>: read from <c>/proc/config.gz</c>, else <c>/boot/config-$(uname -r)</c>.
/// Values keep the file's spelling: <c>y</c>, <c>m</c>, a number, or a quoted string unquoted.
/// Options that are not set are absent.
/// </summary>
public sealed class KernelConfig
{
    private static readonly Lazy<KernelConfig?> Running = new(LoadRunning);
    private readonly Dictionary<string, string> _values;

    private KernelConfig(Dictionary<string, string> values) => _values = values;

    /// <summary>The running kernel's configuration, or null when neither file exists.</summary>
    public static KernelConfig? Current => Running.Value;

    /// <summary>How many options are set.</summary>
    public int Count => _values.Count;

    /// <summary>The value of an option (<c>CONFIG_BPF</c> → <c>y</c>), or null when it is not set.</summary>
    public string? this[string name] => _values.TryGetValue(name, out var value) ? value : null;

    /// <summary>Parses the text of a kernel .config.</summary>
    /// <exception cref="FormatException">A line is neither a comment nor <c>CONFIG_X=value</c>; the message quotes it.</exception>
    public static KernelConfig Parse(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var number = 0;
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            number++;
            if (line.Length == 0 || line[0] == '#')
                continue;
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || !line.StartsWith("CONFIG_", StringComparison.Ordinal))
                throw new FormatException($"Kernel config line {number.ToString(CultureInfo.InvariantCulture)} is not CONFIG_X=value: '{line}'.");
            var value = line[(equals + 1)..];
            if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
                value = value[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
            values[line[..equals]] = value;
        }
        return new KernelConfig(values);
    }

    /// <summary>Reads a .config file, gzip-compressed when its name ends in .gz.</summary>
    public static KernelConfig Load(string path)
    {
        using var file = File.OpenRead(path);
        using var stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
        using var reader = new StreamReader(stream);
        return Parse(reader);
    }

    private static KernelConfig? LoadRunning()
    {
        foreach (var path in new[] { "/proc/config.gz", $"/boot/config-{KernelInfo.ReleaseString}" })
        {
            if (File.Exists(path))
                return Load(path);
        }
        return null;
    }
}
