using ManagedBpf.TestSupport;
namespace ManagedBpf.Loader.Tests.Corpus;

/// <summary>What <c>bpftool prog loadall</c> (libbpf) did with an object.</summary>
/// <param name="Tags">Program name (in full, as libbpf names it: the function's) → kernel tag, when it loaded; else null.</param>
/// <param name="Reason">Why it refused: the most specific line of its log (the libbpf error, or the verifier's complaint).</param>
/// <param name="Log">Its whole standard error, to look a refusal up.</param>
internal sealed record LibbpfOutcome(IReadOnlyDictionary<string, string>? Tags, string? Reason, string Log)
{
    public bool Loaded => Tags is not null;
}
