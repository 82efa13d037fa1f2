using System.Globalization;
using System.Text;

namespace ManagedBpf.Loader.Generation;

/// <summary>
/// Turns C identifiers into valid C# identifiers for generated code: PascalCase for types and members
/// (<c>run_event</c> → <c>RunEvent</c>), verbatim for enumerators, C# keywords escaped with <c>@</c>, and
/// collisions in one scope resolved deterministically by a numeric suffix (<c>Foo</c>, <c>Foo_2</c>, …) in the
/// order names are claimed.
/// </summary>
internal sealed class CSharpNames
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
        "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern",
        "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface",
        "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out", "override",
        "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short",
        "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof",
        "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
        // Contextual keywords that cannot name a type or would read ambiguously in generated code.
        "value", "var", "dynamic", "record", "field", "nint", "nuint", "scoped", "file", "required", "managed", "unmanaged",
    };

    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    /// <summary>
    /// A scope for the members of type <paramref name="typeName"/>: its own name and the members every struct and enum
    /// inherits (<c>ToString</c>, <c>Equals</c>, …) are taken, since a member may not share the first nor hide the others.
    /// </summary>
    public static CSharpNames ForMembersOf(string typeName)
    {
        var names = new CSharpNames();
        foreach (var taken in (ReadOnlySpan<string>)[typeName, "Equals", "GetHashCode", "ToString", "GetType", "MemberwiseClone", "Finalize", "HasFlag", "CompareTo", "GetTypeCode"])
            names.Reserve(taken);
        return names;
    }

    /// <summary>Claims a name so later claims avoid it (an enclosing type's name, a generated accessor).</summary>
    public void Reserve(string name) => _used.Add(name);

    /// <summary>Claims <paramref name="candidate"/>, or the first free <c>candidate_N</c> (N from 2).</summary>
    public string Claim(string candidate)
    {
        if (_used.Add(candidate))
            return candidate;
        for (var n = 2; ; n++)
        {
            var next = string.Create(CultureInfo.InvariantCulture, $"{candidate}_{n}");
            if (_used.Add(next))
                return next;
        }
    }

    /// <summary>
    /// A C identifier in PascalCase: underscores split words, each word's first letter upper-cased; a word in capitals
    /// keeps only its first (<c>LINUX_KERNEL_VERSION</c> → <c>LinuxKernelVersion</c>, <c>CONFIG_HZ</c> → <c>ConfigHz</c>).
    /// </summary>
    public static string Pascal(string cName)
    {
        var builder = new StringBuilder(cName.Length);
        foreach (var word in cName.Split('_', StringSplitOptions.RemoveEmptyEntries))
        {
            builder.Append(char.ToUpperInvariant(word[0]));
            var shouting = word.Length > 1 && word.Any(char.IsAsciiLetter) && !word.Any(char.IsAsciiLetterLower);
            builder.Append(shouting ? word[1..].ToLowerInvariant() : word[1..]);
        }

        return Identifier(builder.ToString());
    }

    /// <summary>A C identifier kept as it is, made valid C#: a keyword gets <c>@</c>, a leading digit an underscore.</summary>
    public static string Verbatim(string cName) => Identifier(cName);

    private static string Identifier(string name)
    {
        var builder = new StringBuilder(name.Length + 1);
        foreach (var c in name)
            builder.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        if (builder.Length == 0)
            return "Unnamed";
        if (char.IsAsciiDigit(builder[0]))
            builder.Insert(0, '_');
        var result = builder.ToString();
        return Keywords.Contains(result) ? "@" + result : result;
    }
}
