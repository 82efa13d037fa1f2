using ManagedBpf.Loader;
using ManagedBpf.Loader.Elf;
using ManagedBpf.Programs;

namespace ManagedBpf.Cli;

/// <summary>
/// How <c>mbpf run</c> chooses, loads and attaches an object's programs. <c>--attach all</c> behaves as a libbpf-tools
/// loader that picks among an object's alternatives: a program whose attach point this kernel lacks is not loaded, and
/// one that cannot attach is skipped, each with a warning, as long as one program attaches. Named programs are the only
/// ones loaded (the others' autoload is turned off, as libbpf-tools do for the variants they do not use), and any
/// failure to attach them is an error. Programs whose target only the user knows get it from the command line.
/// </summary>
/// <param name="Programs">"all", or the names of the programs to load and attach.</param>
/// <param name="SampleFrequency">For perf_event programs: samples a second on every online CPU's cpu-clock, or 0.</param>
/// <param name="SamplePeriod">For perf_event programs: nanoseconds of cpu-clock between samples, or 0.</param>
/// <param name="Uprobes">Targets of uprobes whose section names none.</param>
/// <param name="ProcessId">The process the command-line targets fire in (uprobes, USDT probes, perf_event), or -1 for all.</param>
/// <param name="Usdts">Probes of USDT programs whose section names none.</param>
internal sealed record RunAttach(string[] Programs, ulong SampleFrequency, ulong SamplePeriod, UprobeTarget[] Uprobes, int ProcessId, UsdtTarget[] Usdts)
{
    private bool All => Programs is ["all"];

    /// <summary>Sets which programs load: the named ones, or every one whose attach point this kernel has.</summary>
    /// <exception cref="KeyNotFoundException">A named program is not in the object.</exception>
    internal void ChoosePrograms(ObjectSpec spec, TextWriter warnings)
    {
        if (!All)
        {
            var named = Programs.Select(name => spec.Program(name)).ToHashSet();
            foreach (var program in spec.Programs)
                program.Autoload = named.Contains(program);
            return;
        }

        foreach (var program in spec.Programs.Where(p => p.Autoload))
        {
            if (spec.FindMissingAttachPoint(program) is { } missing)
            {
                program.Autoload = false;
                warnings.WriteLine($"mbpf: not loaded: {program.Name}: {missing}");
            }
        }

        foreach (var target in Uprobes.Where(t => t.Program is not null))
            spec.Program(target.Program!);
        foreach (var target in Usdts.Where(t => t.Program is not null))
            spec.Program(target.Program!);
    }

    /// <summary>Attaches the loaded programs; disposing the result detaches them all.</summary>
    /// <exception cref="InvalidOperationException">Nothing could be attached, or a named program has nothing to attach to.</exception>
    internal Links Attach(Collection collection, TextWriter warnings)
    {
        var links = new Links();
        try
        {
            foreach (var program in collection.Spec.Programs.Where(p => collection.Programs.ContainsKey(p.Name)))
            {
                try
                {
                    if (AttachOne(collection, program) is { } link)
                        links.Add(link);
                    else if (!All)
                        throw new InvalidOperationException($"{program.Name}: {SkipReason(program)}.");
                    else
                        warnings.WriteLine($"mbpf: not attached: {program.Name}: {SkipReason(program)}");
                }
                catch (Exception e) when (All && e is ArgumentException or FileNotFoundException or KeyNotFoundException or NotSupportedException or InvalidOperationException)
                {
                    // The attach point is missing here (a tracepoint, a function, a binary, a USDT probe, a kernel facility),
                    // or only the user knows it (an interface, a cgroup).
                    warnings.WriteLine($"mbpf: not attached: {program.Name}: {e.Message}");
                }
            }

            if (links.Count == 0)
                throw new InvalidOperationException($"No program of '{collection.Spec.Name}' could be attached (see the lines above); name targets with --uprobe, --usdt, --sample-frequency or --sample-period, or pick programs with --attach.");
            return links;
        }
        catch
        {
            links.Dispose();
            throw;
        }
    }

    /// <summary>The attachment, or null when the program needs a target nobody gave.</summary>
    private IDisposable? AttachOne(Collection collection, ObjectProgram program)
    {
        var loaded = collection.Program(program.Name);
        switch (program.Section?.Kind)
        {
            case "perf_event":
                return SampleFrequency == 0 && SamplePeriod == 0
                    ? null
                    : loaded.AttachPerfEvent(new PerfEventOptions { SampleFrequency = SampleFrequency, SamplePeriod = SamplePeriod, ProcessId = ProcessId });
            case "uprobe" or "uretprobe" or "uprobe.s" or "uretprobe.s" when program.Section.AttachTarget is null:
                if ((Uprobes.FirstOrDefault(t => t.Program == program.Name) ?? Uprobes.FirstOrDefault(t => t.Program is null)) is not { } target)
                    return null;
                var path = UprobeBinary.ResolvePath(target.Binary);
                var offset = target.Function is null ? target.Offset : ElfSymbolOffsets.FindFunctionOffset(path, target.Function) + target.Offset;
                return loaded.AttachUprobe(path, offset, new UprobeOptions { Retprobe = program.Section.Kind.StartsWith("uretprobe", StringComparison.Ordinal), ProcessId = ProcessId });
            case "usdt" or "usdt.s" when program.Section.AttachTarget is null:
                return (Usdts.FirstOrDefault(t => t.Program == program.Name) ?? Usdts.FirstOrDefault(t => t.Program is null)) is { } probe
                    ? collection.AttachUsdt(program.Name, probe.Binary, probe.Provider, probe.Name, new UsdtOptions { ProcessId = ProcessId })
                    : null;
            default:
                return collection.Attach([program.Name]);
        }
    }

    private static string SkipReason(ObjectProgram program) => program.Section?.Kind switch
    {
        "perf_event" => "perf_event programs run on a sampling counter: give --sample-frequency HZ or --sample-period NS (cpu-clock on every online CPU)",
        "uprobe" or "uretprobe" or "uprobe.s" or "uretprobe.s" => $"section '{program.SectionName}' names no binary and function: give --uprobe {program.Name}=BINARY:FUNCTION (and --pid)",
        "usdt" or "usdt.s" => $"section '{program.SectionName}' names no binary and probe: give --usdt {program.Name}=BINARY:PROVIDER:NAME (and --pid)",
        _ => $"section '{program.SectionName}' names nothing to attach to",
    };

    /// <summary>The attachments made, detached together, newest first.</summary>
    internal sealed class Links : IDisposable
    {
        private readonly List<IDisposable> _links = [];

        public int Count => _links.Count;

        public void Add(IDisposable link) => _links.Add(link);

        public void Dispose()
        {
            for (var i = _links.Count - 1; i >= 0; i--)
                _links[i].Dispose();
            _links.Clear();
        }
    }
}
