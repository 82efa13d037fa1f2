using System.Text.Json;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Cli.Tests;

/// <summary>
/// mbpf's output where users send it: a file (with and without stderr, overwritten or appended), a pipe, and a
/// terminal. Between what the shell writes before and after it, every byte the tool writes must land whole and in
/// order: the tool writes at the descriptor's shared offset, as the shell's own commands do.
/// </summary>
public sealed partial class OutputRedirectionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mbpf-output-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [KernelTheory]
    [InlineData("file")]
    [InlineData("file with stderr")]
    [InlineData("append")]
    [InlineData("pipe")]
    [InlineData("terminal")]
    public async Task Every_line_lands_whole_and_in_order(string destination)
    {
        var file = Path.Combine(_directory, "out");
        var marker = "mbpf-output-" + Guid.NewGuid().ToString("N");
        const string Traced = "{ echo BEFORE; $MBPF trace exec --json --duration 3; echo AFTER; }";
        var commandLine = destination switch
        {
            "file" => $"{Traced} > {file}",
            "file with stderr" => $"{Traced} > {file} 2>&1",
            "append" => $"echo EXISTING > {file}; {Traced} >> {file}",
            "pipe" => $"{Traced} | cat > {file}",
            "terminal" => $"script -qfec '{Traced}' /dev/null > {file}",
            _ => throw new ArgumentOutOfRangeException(nameof(destination)),
        };
        var stderrInFile = destination is "file with stderr" or "terminal";

        using var shell = ToolSession.Shell(commandLine);
        if (stderrInFile)
            await shell.WaitFor(() => File.Exists(file) && ReadShared(file).Contains(ToolSession.TraceReady, StringComparison.Ordinal), "the ready line in the file");
        else
            await shell.WaitForError(ToolSession.TraceReady);
        await TraceExecTests.Exec("/bin/echo", marker);
        Assert.True(await shell.Exit() == 0, shell.Error);

        var lines = Lines(File.ReadAllText(file), destination == "terminal");
        string[] expectedStart = destination == "append" ? ["EXISTING", "BEFORE"] : ["BEFORE"];
        Assert.Equal(expectedStart, lines.Take(expectedStart.Length));
        Assert.Equal("AFTER", lines[^1]);
        var middle = lines.Skip(expectedStart.Length).SkipLast(1).ToList();
        foreach (var line in middle)
        {
            if (stderrInFile && line.StartsWith("mbpf: ", StringComparison.Ordinal))
                continue;
            JsonDocument.Parse(line).Dispose(); // a whole JSON object, nothing written over it
        }

        Assert.Contains(middle, l => l.Contains(marker, StringComparison.Ordinal));
        if (stderrInFile)
            Assert.Contains(middle, l => l.Contains(" exec events, 0 dropped by the producer", StringComparison.Ordinal));
    }

    /// <summary>The file as written so far (script(1) and the shell still have it open).</summary>
    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }

    /// <summary>
    /// The lines of the output. On a terminal, lines end in CR LF; the status line (drawn once a second on stderr) is
    /// erased with CR and ESC [K before anything else is written, so what follows the last erase is the line; and the
    /// .NET console sets the terminal's keypad mode (ESC [?1h ESC =) when it starts.
    /// </summary>
    private static List<string> Lines(string text, bool terminal)
    {
        var lines = text.Split('\n').ToList();
        if (lines[^1].Length == 0)
            lines.RemoveAt(lines.Count - 1);
        if (!terminal)
            return lines;
        return [.. lines
            .Select(l => l.TrimEnd('\r'))
            .Select(l => l[(l.LastIndexOf("\x1b[K", StringComparison.Ordinal) is var i && i >= 0 ? i + 3 : 0)..])
            .Select(l => TerminalControl().Replace(l, ""))
            .Where(l => l.Length > 0)];
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\x1b(\[[0-9;?]*[A-Za-z]|[=>])")]
    private static partial System.Text.RegularExpressions.Regex TerminalControl();
}
