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
        var maps = Probe(() => Enum.GetValues<BpfMapType>().Where(t => t != BpfMapType.UNSPEC).Select(t => (Name: t.ToString(), Available: FeatureProbe.HasMapType(t))).ToList());
        var programs = Probe(() => Enum.GetValues<BpfProgType>().Where(t => t != BpfProgType.UNSPEC).Select(t => (Name: t.ToString(), Available: FeatureProbe.HasProgramType(t))).ToList());
        var link = Probe(() => FeatureProbe.HasBpfLink);
        var pmus = PmuNames.Select(p => (Name: p, Type: FeatureProbe.PmuType(p))).ToList();
        var notProbed = new[] { ("bpf_link", link.NotProbed), ("map_types", maps.NotProbed), ("program_types", programs.NotProbed) }
            .Where(n => n.NotProbed is not null).ToList();
        if (asJson)
        {
            using var writer = new Utf8JsonWriter(Console.OpenStandardOutput(), new JsonWriterOptions { Indented = true });
            writer.WriteStartObject();
            writer.WriteString("kernel", KernelInfo.ReleaseString);
            writer.WriteNumber("page_size", KernelInfo.PageSize);
            writer.WriteString("possible_cpus", string.Join(',', KernelInfo.PossibleCpus));
            writer.WriteString("online_cpus", string.Join(',', KernelInfo.OnlineCpus()));
            writer.WriteBoolean("kernel_btf", FeatureProbe.HasKernelBtf);
            if (link.NotProbed is null)
                writer.WriteBoolean("bpf_link", link.Value);
            else
                writer.WriteNull("bpf_link");
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
            // Why each null above is null: the probe could not run (the reason names the capability).
            writer.WriteStartObject("not_probed");
            foreach (var (name, reason) in notProbed)
                writer.WriteString(name, reason);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.Flush();
            Console.WriteLine();
            return notProbed.Count == 0;
        }
        Console.WriteLine($"kernel           {KernelInfo.ReleaseString}, page size {KernelInfo.PageSize}");
        Console.WriteLine($"cpus             possible {string.Join(',', KernelInfo.PossibleCpus)}, online {string.Join(',', KernelInfo.OnlineCpus())}");
        Console.WriteLine($"kernel BTF       {(FeatureProbe.HasKernelBtf ? "yes" : "no")}");
        Console.WriteLine($"bpf_link         {(link.NotProbed is { } why ? NotProbedText(why) : link.Value ? "yes" : "no")}");
        Console.WriteLine($"bpffs            {KernelFileSystems.BpfFsPath() ?? "not mounted"}");
        Console.WriteLine($"tracefs          {KernelFileSystems.TraceFsPath() ?? "not mounted"}");
        foreach (var (name, type) in pmus)
            Console.WriteLine($"{name + " PMU",-16} {(type is { } t ? $"yes (type {t})" : "no: not supported by this kernel")}");
        Console.WriteLine($"map types        {Summary(maps)}");
        Console.WriteLine($"program types    {Summary(programs)}");
        return notProbed.Count == 0;
    }

    /// <summary>Runs a probe; a missing privilege (EPERM) becomes the reason it was not probed instead of failing the command.</summary>
    private static (T Value, string? NotProbed) Probe<T>(Func<T> probe)
    {
        try
        {
            return (probe(), null);
        }
        catch (BpfSyscallException e) when (e.Errno == Errno.EPERM)
        {
            return (default!, e.Message);
        }
    }

    private static string NotProbedText(string reason) => $"not probed: {reason}";

    private static string Summary((List<(string Name, bool Available)> Value, string? NotProbed) probed)
    {
        if (probed.NotProbed is { } why)
            return NotProbedText(why);
        var set = probed.Value;
        var missing = set.Where(s => !s.Available).Select(s => s.Name).ToList();
        return $"{set.Count - missing.Count} of {set.Count} available" + (missing.Count > 0 ? $"; missing: {string.Join(", ", missing)}" : "");
    }

    private static void WriteSet(Utf8JsonWriter writer, string name, (List<(string Name, bool Available)> Value, string? NotProbed) probed)
    {
        if (probed.NotProbed is not null)
        {
            writer.WriteNull(name);
            return;
        }
        writer.WriteStartObject(name);
        foreach (var (type, available) in probed.Value)
            writer.WriteBoolean(type.ToLowerInvariant(), available);
        writer.WriteEndObject();
    }
}
