
namespace ManagedBpf.TestSupport;

/// <summary>
/// The corpus objects, compiled by fixtures/corpus/build.sh into fixtures/corpus/out (git-ignored: they depend on the
/// running kernel's BTF). The script runs once per test process, on first use, under a lock; it rebuilds only when
/// its inputs changed (sources, compiler, libbpf headers, kernel BTF) and otherwise returns at once, so the README's
/// single test command builds the corpus on a fresh checkout. A source that does not compile is a row with its
/// first error, never a failed build; a script that cannot run at all (no clang, no bpftool) fails the test.
/// </summary>
public static class CorpusBuild
{
    private static readonly Lazy<Result> Built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Every vendored source, compiled or not, in the script's order (project, then file name).</summary>
    public static IReadOnlyList<CorpusSource> Sources => Built.Value.Sources;

    /// <summary>The script's header lines: compiler, libbpf headers, kernel.</summary>
    public static IReadOnlyList<string> Environment => Built.Value.Environment;

    /// <summary>The compiled sources.</summary>
    public static IEnumerable<CorpusSource> Objects => Sources.Where(s => s.ObjectPath is not null);

    private sealed record Result(IReadOnlyList<CorpusSource> Sources, IReadOnlyList<string> Environment);

    private static Result Build()
    {
        var corpus = Path.Combine(Checkout.Root, "fixtures", "corpus");
        var output = Path.Combine(corpus, "out");
        var run = ExternalTool.Execute("bash", Path.Combine(corpus, "build.sh"), output);
        if (!run.Succeeded)
            throw new InvalidOperationException($"fixtures/corpus/build.sh failed ({run.ExitCode}); it needs clang (clang-16 preferred), llvm-strip, bpftool and libbpf-dev:\n{run.Error}{run.Output}");

        var sources = new List<CorpusSource>();
        var environment = new List<string>();
        foreach (var line in File.ReadLines(Path.Combine(output, "status.tsv")))
        {
            if (line.StartsWith('#'))
            {
                environment.Add(line.TrimStart('#', ' '));
                continue;
            }
            var fields = line.Split('\t');
            var (project, source, result, error) = (fields[0], fields[1], fields[2], fields.Length > 3 ? fields[3] : "");
            var obj = Path.Combine(output, project, Path.ChangeExtension(source, ".o"));
            sources.Add(result == "compiled"
                ? new CorpusSource(project, source, File.Exists(obj) ? obj : throw new FileNotFoundException($"status.tsv says {project}/{source} compiled, but {obj} is missing"), null)
                : new CorpusSource(project, source, null, error));
        }
        return new Result(sources, environment[..^1]); // the last '#' line names the columns
    }
}
