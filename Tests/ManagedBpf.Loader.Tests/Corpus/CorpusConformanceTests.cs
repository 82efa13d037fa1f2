using ManagedBpf.TestSupport;
using Xunit.Abstractions;

namespace ManagedBpf.Loader.Tests.Corpus;

/// <summary>
/// The real-world corpus (bcc libbpf-tools and libbpf-bootstrap examples, vendored under fixtures/corpus) against
/// libbpf: every compiled object is loaded by <c>bpftool prog loadall</c> and by ManagedBpf. Where libbpf loads an
/// object, ManagedBpf must load it with identical program tags; where libbpf refuses it, ManagedBpf must refuse it with
/// an exception <see cref="ObjectSpec.Load"/> documents, or load it when the object is a listed libbpf 1.1 limitation
/// (<see cref="Libbpf11Limitations"/>). The table (one row per source, and why) goes to the test output and to
/// TestResults/corpus-conformance.txt at the checkout's root; every mismatch is listed at once.
/// </summary>
[Collection("libbpf conformance")]
public sealed class CorpusConformanceTests(ITestOutputHelper output)
{
    [KernelFact]
    public void Every_corpus_object_loads_with_libbpfs_tags_or_is_refused_by_both()
    {
        Kernel.KernelFileSystems.RequireBpfFs();
        var rows = new List<CorpusRow>();
        foreach (var source in CorpusBuild.Sources)
        {
            if (source.ObjectPath is null)
            {
                rows.Add(CorpusRow.NotCompiled(source));
                continue;
            }
            // A fresh bpffs directory per object: bpftool pins programs under libbpf/, ManagedBpf pins maps by name under it.
            using var dir = new BpfFsDirectory();
            var libbpf = LibbpfLoadall.Run(source.ObjectPath, dir["libbpf"]);
            var managed = ManagedBpfOutcome.Run(source.ObjectPath, dir.Path);
            rows.Add(CorpusRow.Compare(source, libbpf, managed));
        }

        var table = CorpusTable.Format(rows, CorpusBuild.Environment);
        output.WriteLine(table);
        var results = Directory.CreateDirectory(Path.Combine(Checkout.Root, "TestResults")).FullName;
        File.WriteAllText(Path.Combine(results, "corpus-conformance.txt"), table);

        var mismatches = rows.Where(r => r.Mismatch is not null).Select(r => $"{r.Source.Name}: {r.Mismatch}").ToList();
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} corpus objects where ManagedBpf differs from libbpf ({CorpusTable.Totals(rows)}):\n{string.Join('\n', mismatches)}");
    }
}
