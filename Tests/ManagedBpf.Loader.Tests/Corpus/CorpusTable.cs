using ManagedBpf.TestSupport;
using System.Globalization;
using System.Text;

namespace ManagedBpf.Loader.Tests.Corpus;

/// <summary>Formats the corpus conformance table: one row per source, then the totals.</summary>
internal static class CorpusTable
{
    private static readonly string[] Headers = ["source", "compiled", "libbpf", "ManagedBpf", "tags identical", "verdict", "reason"];

    public static string Format(IReadOnlyList<CorpusRow> rows, IEnumerable<string> environment)
    {
        var cells = rows.Select(Cells).ToList();
        // Every column but the last is padded to its widest cell; the reason runs to the end of the line.
        var widths = Enumerable.Range(0, Headers.Length - 1).Select(i => cells.Select(c => c[i].Length).Append(Headers[i].Length).Max()).ToArray();
        var text = new StringBuilder();
        foreach (var line in environment)
            text.AppendLine(line);
        AppendRow(text, Headers, widths);
        AppendRow(text, [.. Headers.Select(h => new string('-', h.Length))], widths);
        foreach (var row in cells)
            AppendRow(text, row, widths);
        text.AppendLine(Totals(rows));
        return text.ToString();
    }

    /// <summary>sources, compiled, loaded by libbpf, loaded by ManagedBpf, identical tags, refused by both, libbpf 1.1 limitations, mismatches.</summary>
    public static string Totals(IReadOnlyList<CorpusRow> rows) => string.Create(CultureInfo.InvariantCulture,
        $"{rows.Count} sources, {rows.Count(r => r.Source.ObjectPath is not null)} compiled, "
        + $"{rows.Count(r => r.Libbpf?.Loaded == true)} loaded by libbpf, {rows.Count(r => r.ManagedBpf?.Loaded == true)} loaded by ManagedBpf, "
        + $"{rows.Count(r => r.Verdict == "identical")} with identical tags, {rows.Count(r => r.Verdict == "refused by both")} refused by both, "
        + $"{rows.Count(r => r.Verdict == "libbpf 1.1 limitation")} libbpf 1.1 limitations, {rows.Count(r => r.Mismatch is not null)} mismatches");

    private static string[] Cells(CorpusRow row)
    {
        var compiled = row.Source.ObjectPath is not null;
        return
        [
            row.Source.Name,
            compiled ? "yes" : "no",
            row.Libbpf is null ? "-" : row.Libbpf.Loaded ? $"loaded {row.Libbpf.Tags!.Count}" : "refused",
            row.ManagedBpf is null ? "-" : row.ManagedBpf.Loaded ? $"loaded {row.ManagedBpf.Tags!.Count}" : "refused: " + row.ManagedBpf.Refusal!.GetType().Name,
            row.Libbpf?.Loaded == true && row.ManagedBpf?.Loaded == true ? (row.Verdict == "identical" ? "yes" : "NO") : "-",
            row.Verdict,
            row.Mismatch ?? row.Reason,
        ];
    }

    private static void AppendRow(StringBuilder text, string[] cells, int[] widths)
    {
        for (var i = 0; i < cells.Length - 1; i++)
            text.Append(cells[i].PadRight(widths[i])).Append(" | ");
        text.AppendLine(cells[^1]);
    }
}
