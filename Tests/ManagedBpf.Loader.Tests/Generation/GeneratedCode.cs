using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using ManagedBpf.Loader.Btf;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ManagedBpf.Loader.Tests.Generation;

/// <summary>Compiles generated C# as a consumer would (nullable on, every warning an error, XML docs checked) and loads it.</summary>
internal static class GeneratedCode
{
    private static readonly Lazy<MetadataReference[]> References = new(() =>
    {
        var frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        return Directory.EnumerateFiles(frameworkDirectory, "*.dll")
            .Where(IsManagedAssembly)
            .Append(typeof(BtfNameAttribute).Assembly.Location) // Loader, and what a skeleton uses besides
            .Append(typeof(ManagedBpf.Maps.Map).Assembly.Location)
            .Append(typeof(ManagedBpf.Programs.Program).Assembly.Location)
            .Append(typeof(ManagedBpf.Buffers.Ring.RingBufferSet).Assembly.Location)
            .Append(typeof(ManagedBpf.Kernel.SafeFdHandle).Assembly.Location)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray();
    });

    public static Assembly Compile(string source) => Compile([source]);

    /// <summary>Compiles several files into one assembly (one skeleton each, in namespaces of their own).</summary>
    public static Assembly Compile(IReadOnlyList<string> sources)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Diagnose);
        var source = string.Join("\n", sources);
        var compilation = CSharpCompilation.Create(
            "Generated" + Guid.NewGuid().ToString("N"),
            sources.Select((text, i) => CSharpSyntaxTree.ParseText(text, parse, $"Generated{i}.cs")),
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable,
                warningLevel: 9999, generalDiagnosticOption: ReportDiagnostic.Error));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        var problems = emitted.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(emitted.Success && problems.Count == 0, string.Join('\n', problems) + "\n" + Numbered(source));
        image.Position = 0;
        return new AssemblyLoadContext(null, isCollectible: true).LoadFromStream(image);
    }

    public static int SizeOf(Type type) => (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;

    public static object FromBytes(Type type, byte[] bytes) =>
        typeof(GeneratedCode).GetMethod(nameof(Read), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(type).Invoke(null, [bytes])!;

    public static byte[] ToBytes(object value) =>
        (byte[])typeof(GeneratedCode).GetMethod(nameof(Write), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(value.GetType()).Invoke(null, [value])!;

    /// <summary>The C name a generated member stands for: its <see cref="BtfNameAttribute"/>, else its own name.</summary>
    public static string CName(MemberInfo member) => member.GetCustomAttribute<BtfNameAttribute>()?.Name ?? member.Name;

    private static T Read<T>(byte[] bytes) where T : struct => MemoryMarshal.Read<T>(bytes);

    private static byte[] Write<T>(T value) where T : struct
    {
        var bytes = new byte[Unsafe.SizeOf<T>()];
        MemoryMarshal.Write(bytes, in value);
        return bytes;
    }

    private static string Numbered(string source) =>
        string.Join('\n', source.Split('\n').Select((line, i) => $"{i + 1,5} {line}"));

    private static bool IsManagedAssembly(string path)
    {
        try
        {
            AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}
