using System.Diagnostics;
using System.Text.RegularExpressions;
using ManagedBpf.TestSupport;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ManagedBpf.Readme.Tests;

/// <summary>
/// Every ```csharp block of README.md is a whole program: it compiles on its own as the Program.cs of a
/// <c>dotnet new console</c> project (top-level statements, nullable and implicit usings on) that references the
/// libraries, without warnings, and runs to a normal exit, printing something, from the repository root (the
/// fixtures' paths are relative to it). A block whose info string reads <c>csharp skeleton=PATH namespace=NS args=A</c>
/// is compiled with the skeleton <c>SkeletonGenerator</c> makes of the object at PATH (what the build's
/// <c>&lt;BpfObject&gt;</c> item adds to a project) and run with the argument A.
/// </summary>
public sealed partial class ReadmeSnippetTests
{
    private static readonly string[] Libraries = ["ManagedBpf.Kernel", "ManagedBpf.Maps", "ManagedBpf.Programs", "ManagedBpf.Buffers", "ManagedBpf.Loader"];

    /// <summary>The usings the SDK adds to a console project with ImplicitUsings enabled.</summary>
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    private static readonly string Root = RepositoryRoot();
    private static readonly List<Block> Blocks = CSharpBlocks(File.ReadAllText(Path.Combine(Root, "README.md")));

    public static TheoryData<int> BlockNumbers() => [.. Enumerable.Range(1, Blocks.Count)];

    [Fact]
    public void The_readme_has_csharp_blocks() => Assert.True(Blocks.Count >= 3, $"{Blocks.Count} ```csharp blocks in README.md");

    [Theory]
    [MemberData(nameof(BlockNumbers))]
    public void Block_compiles_on_its_own_without_warnings(int block)
    {
        var (line, _, _) = Blocks[block - 1];
        var diagnostics = Compile(block).GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(diagnostics.Count == 0, $"README.md block {block} (line {line}):\n" + string.Join('\n', diagnostics));
    }

    [KernelTheory]
    [MemberData(nameof(BlockNumbers))]
    public void Block_runs_to_a_normal_exit(int block)
    {
        var (line, _, info) = Blocks[block - 1];
        var directory = Directory.CreateTempSubdirectory($"readme-block-{block}-");
        try
        {
            var program = Path.Combine(directory.FullName, $"ReadmeBlock{block}.dll");
            var emitted = Compile(block).Emit(program);
            Assert.True(emitted.Success, $"README.md block {block} (line {line}):\n" + string.Join('\n', emitted.Diagnostics));
            foreach (var library in Libraries)
                File.Copy(Path.Combine(AppContext.BaseDirectory, library + ".dll"), Path.Combine(directory.FullName, library + ".dll"));
            var version = $"{Environment.Version.Major}.{Environment.Version.Minor}";
            File.WriteAllText(Path.ChangeExtension(program, ".runtimeconfig.json"),
                "{\"runtimeOptions\": {\"tfm\": \"net" + version + "\", \"framework\": {\"name\": \"Microsoft.NETCore.App\", \"version\": \"" + version + ".0\"}}}");

            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root };
            start.ArgumentList.Add(program);
            if (info.GetValueOrDefault("args") is { } argument)
                start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEnd();
            Assert.True(process.WaitForExit(120_000), $"README.md block {block} (line {line}) did not finish in 2 minutes");
            Assert.True(process.ExitCode == 0, $"README.md block {block} (line {line}) exited with {process.ExitCode}:\n{output.Result}\n{error}");
            Assert.True(output.Result.Trim().Length > 0, $"README.md block {block} (line {line}) printed nothing");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_skeleton_example_is_the_sample_s_program()
    {
        var block = Assert.Single(Blocks, b => b.Info.GetValueOrDefault("skeleton") == "samples/execsnoop/execsnoop.bpf.o");
        Assert.Equal(File.ReadAllText(Path.Combine(Root, "samples", "execsnoop", "Program.cs")), block.Code);
    }

    private static CSharpCompilation Compile(int block)
    {
        var (_, code, info) = Blocks[block - 1];
        var trees = new List<SyntaxTree>();
        if (info.GetValueOrDefault("skeleton") is { } objectPath)
        {
            var path = Path.Combine(Root, objectPath);
            var skeleton = Loader.Generation.SkeletonGenerator.Generate(File.ReadAllBytes(path), Loader.ObjectSpec.NameOf(path), namespaceName: info.GetValueOrDefault("namespace"));
            trees.Add(CSharpSyntaxTree.ParseText(skeleton, new CSharpParseOptions(LanguageVersion.Latest), "Skeleton.g.cs"));
        }

        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var references = Directory.EnumerateFiles(frameworkDirectory, "*.dll")
            .Where(IsManagedAssembly)
            .Concat(Libraries.Select(l => Path.Combine(AppContext.BaseDirectory, l + ".dll")))
            .Select(path => MetadataReference.CreateFromFile(path));
        return CSharpCompilation.Create(
            $"ReadmeBlock{block}",
            [CSharpSyntaxTree.ParseText(code, parse, "README.md"), CSharpSyntaxTree.ParseText(ImplicitUsings, parse, "ImplicitUsings.cs"), .. trees],
            references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable, warningLevel: 9999));
    }

    private static bool IsManagedAssembly(string path)
    {
        try
        {
            System.Reflection.AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }

    /// <summary>Every fenced block whose info string is <c>csharp</c>, with the line it starts on and its <c>key=value</c> attributes.</summary>
    private static List<Block> CSharpBlocks(string markdown) =>
        [.. FencedCSharp().Matches(markdown).Select(m => new Block(
            markdown[..m.Index].Count(c => c == '\n') + 1,
            m.Groups["code"].Value,
            m.Groups["info"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(a => a.Split('=', 2)).ToDictionary(a => a[0], a => a[1])))];

    [GeneratedRegex(@"^```csharp(?<info>[^\n]*)\n(?<code>.*?)^```[ \t]*$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FencedCSharp();

    private sealed record Block(int Line, string Code, Dictionary<string, string> Info);

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "README.md")) && File.Exists(Path.Combine(dir.FullName, "ManagedBpf.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"No repository root (README.md and ManagedBpf.sln) above {AppContext.BaseDirectory}.");
    }
}
