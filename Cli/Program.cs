using System.CommandLine;
using ManagedBpf.Cli;

var root = new RootCommand("mbpf: load, attach and stream eBPF programs without libbpf.")
{
    FeaturesCommand.Create(),
    InspectCommand.Create(),
    LoadCommand.Create(),
    TraceCommand.Create(),
    RunCommand.Create(),
    BenchCommand.Create(),
    GenCommand.Create(),
};
var parse = root.Parse(args);
return parse.Errors.Count > 0 ? UsageError.Report(parse) : parse.Invoke();
