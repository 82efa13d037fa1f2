using ManagedBpf.TestSupport;
namespace ManagedBpf.Loader.Tests.Corpus;

/// <summary>
/// One row of the corpus conformance table: a source, whether it compiled, what libbpf and ManagedBpf did with its
/// object, and the verdict. <see cref="Mismatch"/> is set when ManagedBpf does not do what libbpf does.
/// </summary>
internal sealed record CorpusRow(CorpusSource Source, LibbpfOutcome? Libbpf, ManagedBpfOutcome? ManagedBpf, string Verdict, string Reason, string? Mismatch)
{
    /// <summary>A source that did not compile: nothing to load.</summary>
    public static CorpusRow NotCompiled(CorpusSource source) => new(source, null, null, "not compiled", source.CompileError ?? "", null);

    private static IEnumerable<string> Messages(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            yield return inner.Message;
    }

    /// <summary>Compares the two outcomes for a compiled source.</summary>
    public static CorpusRow Compare(CorpusSource source, LibbpfOutcome libbpf, ManagedBpfOutcome managed)
    {
        var limitation = Libbpf11Limitations.Reason(source.Name);
        if (libbpf.Loaded)
        {
            if (!managed.Loaded)
                return new(source, libbpf, managed, "MISMATCH", managed.RefusalSummary, "libbpf loads it, ManagedBpf refuses: " + managed.RefusalSummary);
            var expected = libbpf.Tags!;
            var actual = managed.Tags!;
            if (!expected.Keys.Order().SequenceEqual(actual.Keys.Order()))
                return new(source, libbpf, managed, "MISMATCH", "", $"programs differ: libbpf [{string.Join(", ", expected.Keys.Order())}], ManagedBpf [{string.Join(", ", actual.Keys.Order())}]");
            var differing = expected.Where(p => p.Value != actual[p.Key]).Select(p => $"{p.Key} (libbpf {p.Value}, ManagedBpf {actual[p.Key]})").ToList();
            if (differing.Count > 0)
                return new(source, libbpf, managed, "MISMATCH", "", "tags differ: " + string.Join(", ", differing));
            return limitation is null
                ? new(source, libbpf, managed, "identical", "", null)
                : new(source, libbpf, managed, "MISMATCH", "", $"listed as a libbpf 1.1 limitation ({limitation}), but libbpf loads it: take it off the list");
        }
        if (managed.Loaded)
        {
            return limitation is null
                ? new(source, libbpf, managed, "MISMATCH", libbpf.Reason!, "libbpf refuses it, ManagedBpf loads it: " + libbpf.Reason)
                : new(source, libbpf, managed, "libbpf 1.1 limitation", $"{limitation} (libbpf: {libbpf.Reason})", null);
        }
        if (limitation is not null)
            return new(source, libbpf, managed, "MISMATCH", libbpf.Reason!, $"listed as a libbpf 1.1 limitation ({limitation}), but ManagedBpf refuses it: {managed.RefusalSummary}");
        if (!LoadAttempt.IsDocumented(managed.Refusal!) || string.IsNullOrWhiteSpace(managed.Refusal!.Message))
            return new(source, libbpf, managed, "MISMATCH", libbpf.Reason!, $"ManagedBpf refuses with an exception ObjectSpec.Load does not document: {managed.Refusal}");
        var both = $"libbpf: {libbpf.Reason}; ManagedBpf: {managed.RefusalSummary}";
        // The same refusal, not just any: where libbpf names the program or map it stopped at, ManagedBpf's exception
        // (or one it wraps) must name it too, else a ManagedBpf bug met earlier would pass as agreement.
        if (LibbpfLoadall.Subject(libbpf.Reason!) is { } subject && !Messages(managed.Refusal!).Any(m => m.Contains($"'{subject}'", StringComparison.Ordinal)))
            return new(source, libbpf, managed, "MISMATCH", both, $"both refuse, for different reasons: libbpf stops at '{subject}' ({libbpf.Reason}), ManagedBpf at: {managed.RefusalSummary}");
        return new(source, libbpf, managed, "refused by both", both, null);
    }
}
