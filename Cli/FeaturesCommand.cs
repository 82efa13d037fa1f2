using System.CommandLine;
using System.Text.Json;
using ManagedBpf.Kernel;

namespace ManagedBpf.Cli;

/// <summary><c>mbpf features</c>: what this kernel offers BPF, found by asking it (like <c>bpftool feature probe</c>).</summary>
internal static class FeaturesCommand
{
    private static readonly string[] PmuNames = ["kprobe", "uprobe", "tracepoint"];

    internal static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("features", "Probe what this kernel supports: map and program types, bpf_link, BTF, PMUs, filesystems.") { json };
        command.SetAction(result => CliErrors.Run(() => Print(result.GetValue(json))));
        return command;
    }

    private static void Print(bool asJson)
    {
        var maps = Enum.GetValues<BpfMapType>().Where(t => t != BpfMapType.UNSPEC).Select(t => (Name: t.ToString(), Available: FeatureProbe.HasMapType(t))).ToList();
        var programs = Enum.GetValues<BpfProgType>().Where(t => t != BpfProgType.UNSPEC).Select(t => (Name: t.ToString(), Available: FeatureProbe.HasProgramType(t))).ToList();
        var pmus = PmuNames.Select(p => (Name: p, Type: FeatureProbe.PmuType(p))).ToList();
        if (asJson)
        {
            using var writer = new Utf8JsonWriter(Console.OpenStandardOutput(), new JsonWriterOptions { Indented = true });
            writer.WriteStartObject();
            writer.WriteString("kernel", KernelInfo.ReleaseString);
            writer.WriteNumber("page_size", KernelInfo.PageSize);
            writer.WriteString("possible_cpus", string.Join(',', KernelInfo.PossibleCpus));
            writer.WriteString("online_cpus", string.Join(',', KernelInfo.OnlineCpus()));
            writer.WriteBoolean("kernel_btf", FeatureProbe.HasKernelBtf);
            writer.WriteBoolean("bpf_link", FeatureProbe.HasBpfLink);
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
            writer.WriteEndObject();
            writer.Flush();
            Console.WriteLine();
            return;
        }
        Console.WriteLine($"kernel           {KernelInfo.ReleaseString}, page size {KernelInfo.PageSize}");
        Console.WriteLine($"cpus             possible {string.Join(',', KernelInfo.PossibleCpus)}, online {string.Join(',', KernelInfo.OnlineCpus())}");
        Console.WriteLine($"kernel BTF       {(FeatureProbe.HasKernelBtf ? "yes" : "no")}");
        Console.WriteLine($"bpf_link         {(FeatureProbe.HasBpfLink ? "yes" : "no")}");
        Console.WriteLine($"bpffs            {KernelFileSystems.BpfFsPath() ?? "not mounted"}");
        Console.WriteLine($"tracefs          {KernelFileSystems.TraceFsPath() ?? "not mounted"}");
        foreach (var (name, type) in pmus)
            Console.WriteLine($"{name + " PMU",-16} {(type is { } t ? $"yes (type {t})" : "no: not supported by this kernel")}");
        Console.WriteLine($"map types        {Summary(maps)}");
        Console.WriteLine($"program types    {Summary(programs)}");
    }

    private static string Summary(List<(string Name, bool Available)> set)
    {
        var missing = set.Where(s => !s.Available).Select(s => s.Name).ToList();
        return $"{set.Count - missing.Count} of {set.Count} available" + (missing.Count > 0 ? $"; missing: {string.Join(", ", missing)}" : "");
    }

    private static void WriteSet(Utf8JsonWriter writer, string name, List<(string Name, bool Available)> set)
    {
        writer.WriteStartObject(name);
        foreach (var (type, available) in set)
            writer.WriteBoolean(type.ToLowerInvariant(), available);
        writer.WriteEndObject();
    }
}
