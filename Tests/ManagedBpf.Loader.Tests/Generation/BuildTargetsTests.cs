using System.Diagnostics;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Loader.Tests.Generation;

/// <summary>
/// Build/build/ManagedBpf.Build.targets as a consumer's build runs them: <c>dotnet build</c> of a small project with a
/// <c>&lt;BpfObject&gt;</c> item generates its skeleton once, skips the generator while nothing changed, regenerates
/// when the object changes, and fails with one error line that names the object when it is missing or not an object.
/// </summary>
public sealed class BuildTargetsTests
{
    [Fact]
    public void The_build_generates_a_skeleton_only_when_its_inputs_change_and_reports_bad_objects_as_errors()
    {
        var project = Directory.CreateTempSubdirectory("mbpf-build-targets-");
        try
        {
            // This test run's configuration (bin/Debug/net10.0 → Debug) locates the generator the solution built.
            var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
            var build = Path.Combine(Checkout.Root, "Build");
            var generator = Path.Combine(build, "bin", configuration, "net10.0", "ManagedBpf.Build.dll");
            Assert.True(File.Exists(generator), $"{generator} is built with the solution");
            File.Copy(Path.Combine(Fixtures.Directory, "globals.bpf.o"), Path.Combine(project.FullName, "globals.bpf.o"));
            File.WriteAllText(Path.Combine(project.FullName, "Consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <Import Project="{build}/build/ManagedBpf.Build.props" />
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                    <ManagedBpfGenerator>{generator}</ManagedBpfGenerator>
                  </PropertyGroup>
                  <ItemGroup>
                    <Reference Include="{typeof(ObjectSpec).Assembly.Location}" />
                    <Reference Include="{typeof(Maps.Map).Assembly.Location}" />
                    <Reference Include="{typeof(Programs.Program).Assembly.Location}" />
                    <Reference Include="{typeof(Buffers.Ring.RingBufferSet).Assembly.Location}" />
                    <Reference Include="{typeof(Kernel.SafeFdHandle).Assembly.Location}" />
                    <BpfObject Include="globals.bpf.o" ClassName="GlobalsSkeleton" Namespace="Consumer.Bpf" />
                  </ItemGroup>
                  <Import Project="{build}/build/ManagedBpf.Build.targets" />
                </Project>
                """);
            File.WriteAllText(Path.Combine(project.FullName, "Use.cs"), "namespace Consumer; public static class Use { public static uint LoopCount(Consumer.Bpf.GlobalsSkeleton s) => s.LoopCount; }\n");
            var skeleton = Path.Combine(project.FullName, "obj", "Debug", "net10.0", "bpf", "globals.bpf.g.cs");

            var first = Build(project.FullName);
            Assert.True(first.Succeeded, first.Output);
            Assert.Contains("public sealed partial class GlobalsSkeleton", File.ReadAllText(skeleton));
            var generated = File.GetLastWriteTimeUtc(skeleton);

            var again = Build(project.FullName);
            Assert.True(again.Succeeded, again.Output);
            Assert.Contains("Skipping target \"_ManagedBpfGenerate\" because all output files are up-to-date", again.Output);
            Assert.Equal(generated, File.GetLastWriteTimeUtc(skeleton));

            File.SetLastWriteTimeUtc(Path.Combine(project.FullName, "globals.bpf.o"), generated.AddMinutes(1));
            var changed = Build(project.FullName);
            Assert.True(changed.Succeeded, changed.Output);
            Assert.DoesNotContain("Skipping target \"_ManagedBpfGenerate\"", changed.Output);

            File.WriteAllBytes(Path.Combine(project.FullName, "globals.bpf.o"), [0x7f, (byte)'E', (byte)'L', (byte)'F', 1, 2, 3]);
            var corrupt = Build(project.FullName);
            Assert.False(corrupt.Succeeded);
            Assert.True(corrupt.Output.Contains("globals.bpf.o : error MBPF0001: cannot generate a skeleton: file is 7 bytes", StringComparison.Ordinal), corrupt.Output);
            Assert.DoesNotContain("MSB3073", corrupt.Output); // the error is the object's, not the command line's

            File.Delete(Path.Combine(project.FullName, "globals.bpf.o"));
            var missing = Build(project.FullName);
            Assert.False(missing.Succeeded);
            Assert.True(missing.Output.Contains("error MBPF0002: BpfObject", StringComparison.Ordinal), missing.Output);
        }
        finally
        {
            project.Delete(recursive: true);
        }
    }

    /// <summary><c>dotnet build</c> in a process of its own, without the MSBuild settings of the test host's environment.</summary>
    private static ToolResult Build(string directory)
    {
        var start = new ProcessStartInfo("dotnet", ["build", "-v:n", "-nodeReuse:false", "-p:UseSharedCompilation=false", "-clp:NoSummary"])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(key);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return new ToolResult(process.ExitCode, output + error.Result, error.Result);
    }
}
