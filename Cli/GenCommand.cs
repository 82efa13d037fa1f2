using System.CommandLine;
using ManagedBpf.Loader;
using ManagedBpf.Loader.Generation;

namespace ManagedBpf.Cli;

/// <summary>
/// <c>mbpf gen types OBJ</c>: C# types for the structs, unions, enums and typedefs an object's maps and global
/// variables reach (plus <c>--type</c> names), read without the kernel. The type half of issue 12's skeletons.
/// </summary>
internal static class GenCommand
{
    internal static Command Create()
    {
        var path = new Argument<FileInfo>("object") { Description = "A clang-compiled BPF object (.bpf.o)." };
        var ns = new Option<string?>("--namespace") { Description = "The namespace of the generated types (default: none)." };
        var types = new Option<string[]>("--type") { Description = "Also generate this type of the object's BTF (e.g. 'event' or 'struct event'); repeatable.", AllowMultipleArgumentsPerToken = true };
        var output = new Option<FileInfo?>("-o", "--output") { Description = "Write the C# file here instead of to stdout." };
        var typesCommand = new Command("types", "Write C# types (explicit layout, checked against BTF) for an object's map key/value types, variables and --type names.") { path, ns, types, output };
        typesCommand.SetAction(result => CliErrors.Run(() =>
            Write(result.GetValue(path)!, result.GetValue(ns), result.GetValue(types) ?? [], result.GetValue(output))));
        return new Command("gen", "Generate C# from an object.") { typesCommand };
    }

    private static void Write(FileInfo file, string? ns, string[] typeNames, FileInfo? output)
    {
        var spec = ObjectSpec.Open(file.FullName);
        if (spec.Btf is not { } btf)
            throw new InvalidOperationException($"{file.Name} has no BTF: there are no types to generate.");
        var roots = CSharpTypeGenerator.ObjectRoots(spec).Concat(typeNames.Select(name => CSharpTypeGenerator.FindType(btf, name)));
        var source = CSharpTypeGenerator.Generate(btf, roots, ns);
        if (output is null)
            Console.Out.Write(source);
        else
            File.WriteAllText(output.FullName, source);
    }
}
