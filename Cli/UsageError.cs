using System.CommandLine;
using System.CommandLine.Parsing;

namespace ManagedBpf.Cli;

/// <summary>
/// A command line that does not parse: one line per error on stderr, naming the command and where its help is, and
/// exit 1 (as bpftool and the GNU tools do), instead of System.CommandLine's default of the whole help text.
/// </summary>
internal static class UsageError
{
    internal const int ExitCode = 1;

    internal static int Report(ParseResult parse)
    {
        var names = new List<string>();
        for (SymbolResult? result = parse.CommandResult; result is CommandResult command; result = command.Parent)
            names.Insert(0, command.Command is RootCommand ? "mbpf" : command.Command.Name);
        var path = string.Join(' ', names);
        foreach (var error in parse.Errors)
        {
            var message = string.Join(' ', error.Message.Split(['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).TrimEnd('.');
            Console.Error.WriteLine($"{path}: {message} (see '{path} --help')");
        }
        return ExitCode;
    }
}
