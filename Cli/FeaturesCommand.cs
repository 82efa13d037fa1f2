using System.CommandLine;
using System.Text.Json;
using ManagedBpf.Kernel;

namespace ManagedBpf.Cli;

/// <summary>
/// <c>mbpf features</c>: what this kernel offers BPF, found by asking it (like <c>bpftool feature probe</c>). Without
/// privileges it reports what it can read (kernel, CPUs, BTF, filesystems, PMUs) and says which probes need a capability.
/// </summary>
internal static class FeaturesCommand
{
    private static readonly string[] PmuNames = ["kprobe", "uprobe", "tracepoint"];

    internal static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("features", "Probe what this kernel supports: map and program types, bpf_link, BTF, PMUs, filesystems. "
            + "A probe this process lacks the privilege for is reported as not probed, with the capability it needs, and the rest is still reported. "
            + "Exit code: 0 when every probe ran, 77 (EX_NOPERM) when some could not run for lack of privilege, 1 on any other error.") { json };
        command.SetAction(result =>
        {
            var complete = true;
            var code = CliErrors.Run(() => complete = Print(result.GetValue(json)));
            return code != 0 ? code : complete ? 0 : 77;
        });
        return command;
    }

    /// <summary>Prints what the kernel offers; returns false when a probe could not run for lack of privilege.</summary>
    private static bool Print(bool asJson)
    {
        var maps = Enum.GetValues<BpfMapType>().Where(t => t != BpfMapType.UNSPEC).Select(t => Probe(t.ToString(), () => FeatureProbe.HasMapType(t))).ToList();
        var programs = Enum.GetValues<BpfProgType>().Where(t => t != BpfProgType.UNSPEC).Select(t => Probe(t.ToString(), () => FeatureProbe.HasProgramType(t))).ToList();
        var link = Probe("bpf_link", () => FeatureProbe.HasBpfLink);
        var pmus = PmuNames.Select(p => (Name: p, Type: FeatureProbe.PmuType(p))).ToList();
        var complete = link.Reason is null && maps.Concat(programs).All(a => a.Reason is null);
        if (asJson)
        {
            using var writer = new Utf8JsonWriter(Console.OpenStandardOutput(), new JsonWriterOptions { Indented = true });
            writer.WriteStartObject();
            writer.WriteString("kernel", KernelInfo.ReleaseString);
            writer.WriteNumber("page_size", KernelInfo.PageSize);
            writer.WriteString("possible_cpus", string.Join(',', KernelInfo.PossibleCpus));
            writer.WriteString("online_cpus", string.Join(',', KernelInfo.OnlineCpus()));
            writer.WriteBoolean("kernel_btf", FeatureProbe.HasKernelBtf);
            WriteAnswer(writer, "bpf_link", link);
            writer.WriteString("bpffs", KernelFileSystems.BpfFsPath());
            writer.WriteString("tracefs", KernelFileSystems.TraceFsPath());
            writer.WriteStartObject("pmus");
            foreach (var (name, type) in pmus)
            {
                if (type is { } t)
                    writer.WriteNumber(name, t);
                else
                    writer.WriteNull(name);
            }
            writer.WriteEndObject();
            WriteSet(writer, "map_types", maps);
            WriteSet(writer, "program_types", programs);
            // Why each null above is null, keyed by its path: the probe could not run (the reason names the capability).
            writer.WriteStartObject("not_probed");
            if (link.Reason is { } linkReason)
                writer.WriteString("bpf_link", linkReason);
            foreach (var (set, answers) in new[] { ("map_types", maps), ("program_types", programs) })
            {
                foreach (var answer in answers.Where(a => a.Reason is not null))
                    writer.WriteString($"{set}.{answer.Name.ToLowerInvariant()}", answer.Reason);
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.Flush();
            Console.WriteLine();
            return complete;
        }
        Console.WriteLine($"kernel           {KernelInfo.ReleaseString}, page size {KernelInfo.PageSize}");
        Console.WriteLine($"cpus             possible {string.Join(',', KernelInfo.PossibleCpus)}, online {string.Join(',', KernelInfo.OnlineCpus())}");
        Console.WriteLine($"kernel BTF       {(FeatureProbe.HasKernelBtf ? "yes" : "no")}");
        Console.WriteLine($"bpf_link         {(link.Reason is { } why ? $"not probed: {why}" : link.Available == true ? "yes" : "no")}");
        Console.WriteLine($"bpffs            {KernelFileSystems.BpfFsPath() ?? "not mounted"}");
        Console.WriteLine($"tracefs          {KernelFileSystems.TraceFsPath() ?? "not mounted"}");
        foreach (var (name, type) in pmus)
            Console.WriteLine($"{name + " PMU",-16} {(type is { } t ? $"yes (type {t})" : "no: not supported by this kernel")}");
        Console.WriteLine($"map types        {Summary(maps)}");
        Console.WriteLine($"program types    {Summary(programs)}");
        return complete;
    }

    /// <summary>One probe's answer: available or not, or null with the reason it could not run.</summary>
    private readonly record struct Answer(string Name, bool? Available, string? Reason, string? Hint);

    /// <summary>Runs a probe; a missing privilege (EPERM) becomes the reason it was not probed instead of failing the command.</summary>
    private static Answer Probe(string name, Func<bool> probe)
    {
        try
        {
            return new Answer(name, probe(), null, null);
        }
        catch (BpfSyscallException e) when (e.Errno == Errno.EPERM)
        {
            return new Answer(name, null, e.Message, e.Hint ?? e.Message);
        }
    }

    private static string Summary(List<Answer> set)
    {
        var notProbed = set.Where(a => a.Reason is not null).GroupBy(a => a.Hint).ToList();
        if (notProbed.Count == 1 && notProbed[0].Count() == set.Count)
            return $"not probed: {notProbed[0].Key}";
        var probed = set.Where(a => a.Reason is null).ToList();
        var missing = probed.Where(a => a.Available == false).Select(a => a.Name).ToList();
        var text = notProbed.Count == 0 ? $"{probed.Count - missing.Count} of {set.Count} available"
            : probed.Count == 0 ? "none probed"
            : $"{probed.Count - missing.Count} of the {probed.Count} probed available ({set.Count} known)";
        if (missing.Count > 0)
            text += $"; missing: {string.Join(", ", missing)}";
        foreach (var group in notProbed)
            text += $"; not probed: {string.Join(", ", group.Select(a => a.Name))} ({group.Key})";
        return text;
    }

    private static void WriteAnswer(Utf8JsonWriter writer, string name, Answer answer)
    {
        if (answer.Available is { } available)
            writer.WriteBoolean(name, available);
        else
            writer.WriteNull(name);
    }

    private static void WriteSet(Utf8JsonWriter writer, string name, List<Answer> set)
    {
        writer.WriteStartObject(name);
        foreach (var answer in set)
            WriteAnswer(writer, answer.Name.ToLowerInvariant(), answer);
        writer.WriteEndObject();
    }
}
