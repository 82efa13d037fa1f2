using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using ManagedBpf.Loader;
using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Cli;

/// <summary><c>mbpf inspect OBJ</c>: what an object holds, read without the kernel (no privileges needed).</summary>
internal static class InspectCommand
{
    internal static Command Create()
    {
        var path = new Argument<FileInfo>("object") { Description = "A clang-compiled BPF object (.bpf.o)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("inspect", "Show an object's sections, programs, maps, variables, BTF and CO-RE relocations.") { path, json };
        command.SetAction(result => CliErrors.Run(() => Print(result.GetValue(path)!, result.GetValue(json))));
        return command;
    }

    private static void Print(FileInfo file, bool asJson)
    {
        var clock = Stopwatch.StartNew();
        var spec = ObjectSpec.Open(file.FullName);
        var parsed = clock.Elapsed;
        if (asJson)
        {
            WriteJson(spec);
            return;
        }
        Console.WriteLine($"object    {spec.Name} ({file.Length} bytes, license \"{spec.License}\"{(spec.KernelVersion != 0 ? $", kern_version {spec.KernelVersion}" : "")}), parsed in {parsed.TotalMilliseconds:F1} ms");
        Console.WriteLine();
        Console.WriteLine("sections");
        foreach (var s in spec.Elf.Sections.Where(s => s.Size > 0 && s.Name.Length > 0))
            Console.WriteLine($"  [{s.Index,2}] {s.Name,-40} {s.Type,-9} {s.Size,8} bytes");
        Console.WriteLine();
        Console.WriteLine("programs");
        foreach (var p in spec.Programs)
        {
            var attach = ExpectedAttachType(p) is { } a ? $" attach {a}" : "";
            var target = p.Section?.AttachTarget is { } t ? $" → {t}" : "";
            // A section no table row matches is listed, not hidden: loading it fails unless its autoload is off.
            var unknown = p.Section is null ? ", unknown section" : "";
            Console.WriteLine($"  {p.Name,-28} {p.SectionName,-40} {p.Type}{attach}{target}{unknown}, {p.InstructionCount} insns{(p.Autoload ? "" : ", not autoloaded")}");
        }
        Console.WriteLine();
        Console.WriteLine("maps");
        foreach (var m in spec.Maps)
        {
            var s = m.Spec;
            var inner = s.InnerMap is { } i ? $", inner {i.Type} {i.KeySize}/{i.ValueSize}/{i.MaxEntries}" : "";
            var values = m.InitialValues.Count > 0 ? $", initial {string.Join(' ', m.InitialValues.Select(v => $"[{v.Key}]={v.Value}"))}" : "";
            Console.WriteLine($"  {m.Name,-24} {s.Type,-18} key {s.KeySize,4} value {s.ValueSize,6} max {s.MaxEntries,8} flags {s.Flags}{(s.Pinning != 0 ? ", pinned by name" : "")}{inner}{values} ({m.Source})");
        }
        var variables = spec.DataSections.SelectMany(d => d.Variables).ToList();
        if (variables.Count > 0 || spec.KconfigExterns.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("variables");
            foreach (var v in variables)
                Console.WriteLine($"  {v.Section.Name + ":" + v.Name,-40} {v.Size,6} bytes at {v.Offset}{(v.Section.IsReadOnly ? " (read-only to programs)" : "")}");
            foreach (var k in spec.KconfigExterns)
                Console.WriteLine($"  {".kconfig:" + k.Name,-40} {k.Size,6} bytes at {k.Offset}{(k.Weak ? " (weak)" : "")}");
        }
        if (spec.Warnings.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("warnings");
            foreach (var w in spec.Warnings)
                Console.WriteLine($"  {w}");
        }
        Console.WriteLine();
        Console.WriteLine(spec.Btf is { } btf ? $"BTF       {btf.TypeCount - 1} types, {btf.Strings.Length} bytes of strings" : "BTF       none");
        if (spec.BtfExt is { } ext)
        {
            Console.WriteLine($"BTF.ext   {ext.FuncInfo.Count} func_info, {ext.LineInfo.Count} line_info, {ext.CoreRelo.Count} CO-RE relocations");
            foreach (var kind in ext.CoreRelo.Sections.SelectMany(s => s.Records).GroupBy(r => r.Kind).OrderBy(g => g.Key))
                Console.WriteLine($"  {kind.Key,-20} {kind.Count()}");
        }
    }

    /// <summary>The attach type when the section sets one (0 is CGROUP_INET_INGRESS, not "none") or it was changed; else null.</summary>
    private static ManagedBpf.Kernel.BpfAttachType? ExpectedAttachType(ObjectProgram p) =>
        p.Section?.ExpectedAttachType is not null || p.ExpectedAttachType != 0 ? p.ExpectedAttachType : null;

    private static void WriteJson(ObjectSpec spec)
    {
        using var writer = new Utf8JsonWriter(Console.OpenStandardOutput(), new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteString("name", spec.Name);
        writer.WriteString("license", spec.License);
        writer.WriteStartArray("programs");
        foreach (var p in spec.Programs)
        {
            writer.WriteStartObject();
            writer.WriteString("name", p.Name);
            writer.WriteString("section", p.SectionName);
            writer.WriteBoolean("section_known", p.Section is not null);
            writer.WriteString("type", p.Type.ToString());
            if (ExpectedAttachType(p) is { } attach)
                writer.WriteString("expected_attach_type", attach.ToString());
            writer.WriteNumber("instructions", p.InstructionCount);
            writer.WriteBoolean("autoload", p.Autoload);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteStartArray("maps");
        foreach (var m in spec.Maps)
        {
            writer.WriteStartObject();
            writer.WriteString("name", m.Name);
            writer.WriteString("type", m.Spec.Type.ToString());
            writer.WriteNumber("key_size", m.Spec.KeySize);
            writer.WriteNumber("value_size", m.Spec.ValueSize);
            writer.WriteNumber("max_entries", m.Spec.MaxEntries);
            writer.WriteString("source", m.Source.ToString());
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteStartArray("variables");
        foreach (var v in spec.DataSections.SelectMany(d => d.Variables))
        {
            writer.WriteStartObject();
            writer.WriteString("section", v.Section.Name);
            writer.WriteString("name", v.Name);
            writer.WriteNumber("offset", v.Offset);
            writer.WriteNumber("size", v.Size);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteStartArray("warnings");
        foreach (var w in spec.Warnings)
        {
            writer.WriteStartObject();
            writer.WriteString("kind", w.Kind.ToString());
            writer.WriteString("program", w.Program);
            writer.WriteNumber("instruction", w.Instruction);
            writer.WriteString("message", w.Message);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteNumber("btf_types", spec.Btf is { } btf ? btf.TypeCount - 1 : 0);
        writer.WriteNumber("core_relocations", spec.CoreRelocationCount);
        writer.WriteEndObject();
        writer.Flush();
        Console.WriteLine();
    }
}
