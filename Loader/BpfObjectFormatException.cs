using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace ManagedBpf.Loader;

/// <summary>
/// The one exception the object readers (ELF, BTF, BTF.ext) throw for malformed or unsupported input.
/// Its message names the section and the byte offset where the problem was found.
/// </summary>
public sealed class BpfObjectFormatException : Exception
{
    /// <summary>Creates an exception with a generic message.</summary>
    public BpfObjectFormatException()
        : base("The BPF object is malformed.")
    {
    }

    /// <summary>Creates an exception with the given message and no location.</summary>
    /// <param name="message">What is wrong with the object.</param>
    public BpfObjectFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with the given message and inner exception.</summary>
    /// <param name="message">What is wrong with the object.</param>
    /// <param name="innerException">The exception that revealed the problem.</param>
    public BpfObjectFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception that locates the problem.</summary>
    /// <param name="message">What is wrong with the object.</param>
    /// <param name="section">The section (or input, such as a BTF file path) being read, when known.</param>
    /// <param name="offset">The byte offset of the problem: within <paramref name="section"/>, or within the file when no section is given.</param>
    public BpfObjectFormatException(string message, string? section, long? offset)
        : base(Compose(message, section, offset))
    {
        Section = section;
        Offset = offset;
    }

    /// <summary>The section (or input) being read when the problem was found, when known.</summary>
    public string? Section { get; }

    /// <summary>The byte offset of the problem: within <see cref="Section"/>, or within the file when <see cref="Section"/> is null.</summary>
    public long? Offset { get; }

    /// <summary>Throws a located exception. Kept out of line so that callers' hot paths stay small.</summary>
    [DoesNotReturn]
    internal static void Throw(string message, string? section, long? offset) =>
        throw new BpfObjectFormatException(message, section, offset);

    private static string Compose(string message, string? section, long? offset) => (section, offset) switch
    {
        (null, null) => message,
        (null, long o) => string.Create(CultureInfo.InvariantCulture, $"{message} (at file offset 0x{o:x})"),
        (string s, null) => string.Create(CultureInfo.InvariantCulture, $"{message} (section '{s}')"),
        (string s, long o) => string.Create(CultureInfo.InvariantCulture, $"{message} (section '{s}', offset 0x{o:x})"),
    };
}
