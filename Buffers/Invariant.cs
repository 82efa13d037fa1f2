using System.Globalization;

namespace ManagedBpf.Buffers;

/// <summary>Culture-independent formatting for messages and descriptions: positions and sizes read the same everywhere.</summary>
internal static class Invariant
{
    internal static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
