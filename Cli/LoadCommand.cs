using System.CommandLine;
using System.Text.Json;
using ManagedBpf.Loader;

namespace ManagedBpf.Cli;

/// <summary>
/// <c>mbpf load OBJ</c>: loads every program of an object as libbpf would and prints what the kernel
/// made of it (ids and tags), then releases everything. Maps pinned by name stay pinned, so each map's pin is
/// printed, with whether this run created it or reused one that was there (as libbpf reuses a compatible pin).
/// </summary>
internal static class LoadCommand
{
    internal static Command Create()
    {
        var path = new Argument<FileInfo>("object") { Description = "A clang-compiled BPF object (.bpf.o)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var pinRoot = new Option<string?>("--pin-root") { Description = "Where maps pinned by name live (default /sys/fs/bpf)." };
        var command = new Command("load", "Load an object's maps and programs into the kernel and show their ids and tags. "
            + "Maps the object pins by name are pinned under --pin-root, or reuse a compatible map already pinned there (an incompatible one is an error); "
            + "each pin is printed, and it stays after the command ends.") { path, json, pinRoot };
        command.SetAction(result => CliErrors.Run(() => Load(result.GetValue(path)!, result.GetValue(json), result.GetValue(pinRoot))));
        return command;
    }

    private static void Load(FileInfo file, bool asJson, string? pinRoot)
    {
        var spec = ObjectSpec.Open(file.FullName);
        using var collection = spec.Load(new CollectionOptions { PinDirectory = pinRoot });
        var programs = spec.Programs.Where(p => collection.Programs.ContainsKey(p.Name)).Select(p => (Spec: p, Loaded: collection.Programs[p.Name])).ToList();
        if (!asJson)
        {
            foreach (var (p, loaded) in programs)
                Console.WriteLine($"program {p.Name,-28} {p.SectionName,-40} {p.Type,-16} id {loaded.Id,-6} tag {loaded.Tag}");
            foreach (var (name, map) in collection.Maps)
                Console.WriteLine($"map     {name,-28} {map.Type,-16} id {map.Id,-6}{PinText(map)}".TrimEnd());
            return;
        }
        using var writer = new Utf8JsonWriter(Console.OpenStandardOutput(), new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteString("object", spec.Name);
        writer.WriteStartArray("programs");
        foreach (var (p, loaded) in programs)
        {
            writer.WriteStartObject();
            writer.WriteString("name", p.Name);
            writer.WriteString("section", p.SectionName);
            writer.WriteString("type", p.Type.ToString());
            writer.WriteNumber("id", loaded.Id);
            writer.WriteString("tag", loaded.Tag);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteStartArray("maps");
        foreach (var (name, map) in collection.Maps)
        {
            writer.WriteStartObject();
            writer.WriteString("name", name);
            writer.WriteString("type", map.Type.ToString());
            writer.WriteNumber("id", map.Id);
            if (map.PinPath is { } pin)
            {
                writer.WriteStartObject("pinned");
                writer.WriteString("path", pin);
                writer.WriteBoolean("reused", map.PinReused);
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteNull("pinned");
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.Flush();
        Console.WriteLine();
    }

    private static string PinText(ManagedBpf.Maps.Map map) => map.PinPath is not { } pin ? ""
        : map.PinReused ? $" pinned {pin} (reused)" : $" pinned {pin} (created; it stays until removed)";
}
