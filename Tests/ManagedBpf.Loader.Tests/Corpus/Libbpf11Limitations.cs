using ManagedBpf.TestSupport;
namespace ManagedBpf.Loader.Tests.Corpus;

/// <summary>
/// Corpus objects that Debian's libbpf 1.1 refuses for a reason of its own, which a newer libbpf lifts, and that
/// ManagedBpf therefore loads: project/source → the limitation. Each entry is checked both ways by the conformance
/// test: libbpf must still refuse the object and ManagedBpf must load it, or the entry is reported as stale.
/// </summary>
internal static class Libbpf11Limitations
{
    private static readonly Dictionary<string, string> ByObject = new(StringComparer.Ordinal)
    {
    };

    /// <summary>Why libbpf 1.1 refuses <paramref name="name"/> (project/source), or null when it is not listed.</summary>
    public static string? Reason(string name) => ByObject.GetValueOrDefault(name);
}
