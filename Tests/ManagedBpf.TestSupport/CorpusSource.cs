namespace ManagedBpf.TestSupport;

/// <summary>One vendored source of the real-world corpus and what fixtures/corpus/build.sh made of it.</summary>
/// <param name="Project">The folder under fixtures/corpus it comes from (bcc-libbpf-tools, libbpf-bootstrap).</param>
/// <param name="Source">Its file name, e.g. execsnoop.bpf.c.</param>
/// <param name="ObjectPath">The object it compiled to, or null when it did not compile.</param>
/// <param name="CompileError">The compiler's first error line when it did not compile.</param>
public sealed record CorpusSource(string Project, string Source, string? ObjectPath, string? CompileError)
{
    /// <summary>project/source, the row's name in reports.</summary>
    public string Name => $"{Project}/{Source}";

    /// <inheritdoc/>
    public override string ToString() => Name;
}
