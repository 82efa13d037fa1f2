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
};
return root.Parse(args).Invoke();
