using System.CommandLine;
using ManagedBpf.Loader;
using ManagedBpf.Loader.Generation;

namespace ManagedBpf.Cli;

/// <summary>
/// <c>mbpf gen skeleton OBJ</c>: a C# class for the object (embedded bytes, typed variables, maps and programs) and
/// the types it reaches, as the build's <c>&lt;BpfObject&gt;</c> items generate it; <c>mbpf gen types OBJ</c>: the
/// types alone. Both read the object without the kernel.
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

        var className = new Option<string?>("--name") { Description = "The skeleton class's name (default: the object's name in PascalCase, 'Execsnoop' for execsnoop.bpf.o)." };
        var skeletonCommand = new Command("skeleton", "Write a C# skeleton: a class that embeds the object, with typed properties for its variables, maps and programs, and the types they reach.") { path, className, ns, types, output };
        skeletonCommand.SetAction(result => CliErrors.Run(() =>
            WriteSkeleton(result.GetValue(path)!, result.GetValue(className), result.GetValue(ns), result.GetValue(types) ?? [], result.GetValue(output))));
        return new Command("gen", "Generate C# from an object.") { skeletonCommand, typesCommand };
    }

    private static void WriteSkeleton(FileInfo file, string? className, string? ns, string[] typeNames, FileInfo? output)
    {
        Emit(SkeletonGenerator.Generate(ObjectSpec.Open(file.FullName), className, ns, typeNames), output);
    }

    private static void Write(FileInfo file, string? ns, string[] typeNames, FileInfo? output)
    {
        var spec = ObjectSpec.Open(file.FullName);
        if (spec.Btf is not { } btf)
            throw new InvalidOperationException($"{file.Name} has no BTF: there are no types to generate.");
        var roots = CSharpTypeGenerator.ObjectRoots(spec).Concat(typeNames.Select(name => CSharpTypeGenerator.FindType(btf, name)));
        Emit(CSharpTypeGenerator.Generate(btf, roots, ns), output);
    }

    private static void Emit(string source, FileInfo? output)
    {
        if (output is null)
            Console.Out.Write(source);
        else
            File.WriteAllText(output.FullName, source);
    }
}
