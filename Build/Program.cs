using ManagedBpf.Loader;
using ManagedBpf.Loader.Generation;

// The build's skeleton generator: ManagedBpf.Build.targets runs it once per <BpfObject> item that changed.
//   ManagedBpf.Build.dll OBJECT OUTPUT [--name CLASS] [--namespace NS] [--type TYPE]...
// Errors are printed in MSBuild's canonical format (file: error CODE: text), so the build shows them as errors.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: ManagedBpf.Build OBJECT OUTPUT [--name CLASS] [--namespace NS] [--type TYPE]...");
    return 2;
}

var (objectPath, outputPath) = (args[0], args[1]);
string? className = null, namespaceName = null;
var types = new List<string>();
for (var i = 2; i < args.Length; i++)
{
    var value = i + 1 < args.Length ? args[i + 1] : null;
    switch (args[i])
    {
        case "--name" when value is not null: className = value.Length > 0 ? value : null; i++; break;
        case "--namespace" when value is not null: namespaceName = value.Length > 0 ? value : null; i++; break;
        case "--type" when value is not null:
            types.AddRange(value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            i++;
            break;
        default:
            Console.Error.WriteLine($"ManagedBpf.Build: unexpected argument '{args[i]}'");
            return 2;
    }
}

try
{
    var source = SkeletonGenerator.Generate(ObjectSpec.Open(objectPath), className, namespaceName, types);
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputPath))!);
    // Rewritten only when it changes, so that an unchanged skeleton does not make the compiler run again.
    if (!File.Exists(outputPath) || File.ReadAllText(outputPath) != source)
        File.WriteAllText(outputPath, source);
    return 0;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or BpfObjectFormatException or KeyNotFoundException
    or InvalidOperationException or NotSupportedException or ArgumentException)
{
    Console.WriteLine($"{objectPath}: error MBPF0001: cannot generate a skeleton: {e.Message.ReplaceLineEndings(" ")}");
    return 1;
}
