using ManagedBpf.Loader.Generation;

namespace ManagedBpf.Cli.Tests;

/// <summary><c>mbpf gen skeleton</c> and <c>mbpf gen types</c>, run as a user runs them.</summary>
public sealed class GenCommandTests
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "fixtures");

    [Fact]
    public void Gen_skeleton_writes_what_the_build_generates_to_a_file_or_to_stdout()
    {
        var path = Path.Combine(Fixtures, "exec_trace.bpf.o");
        // The build's generator (Build/Program.cs) makes the same call: one code path.
        var expected = SkeletonGenerator.Generate(File.ReadAllBytes(path), "exec_trace", "ExecSkeleton", "Demo.Tracing", ["struct exec_event"]);
        var output = Path.Combine(Directory.CreateTempSubdirectory("mbpf-gen-").FullName, "ExecSkeleton.g.cs");
        try
        {
            var (code, stdout, error) = Mbpf.Run("gen", "skeleton", path, "--name", "ExecSkeleton", "--namespace", "Demo.Tracing", "--type", "struct exec_event", "-o", output);
            Assert.True(code == 0, error);
            Assert.Equal("", stdout);
            Assert.Equal(expected, File.ReadAllText(output));

            (code, stdout, error) = Mbpf.Run("gen", "skeleton", path, "--name", "ExecSkeleton", "--namespace", "Demo.Tracing", "--type", "struct exec_event");
            Assert.True(code == 0, error);
            Assert.Equal(expected, stdout);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(output)!, recursive: true);
        }
    }

    [Fact]
    public void Gen_types_writes_the_types_alone()
    {
        var (code, stdout, error) = Mbpf.Run("gen", "types", Path.Combine(Fixtures, "exec_trace.bpf.o"), "--namespace", "Demo");
        Assert.True(code == 0, error);
        Assert.Contains("public partial struct ExecEvent", stdout);
        Assert.DoesNotContain("BpfSkeleton", stdout);
    }

    [Theory]
    [InlineData("not a valid C# class name", "--name", "1st")]
    [InlineData("not a valid C# namespace", "--namespace", "A..B")]
    [InlineData("No struct, union, enum or typedef named 'struct nothing'", "--type", "struct nothing")]
    public void A_bad_option_value_is_one_line_and_exit_1(string message, string option, string value)
    {
        var (code, stdout, error) = Mbpf.Run("gen", "skeleton", Path.Combine(Fixtures, "exec_trace.bpf.o"), option, value);
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Contains(message, error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void A_missing_object_or_a_directory_is_said_so()
    {
        var (code, _, error) = Mbpf.Run("gen", "skeleton", Path.Combine(Fixtures, "no-such.bpf.o"));
        Assert.Equal(1, code);
        Assert.Contains("no-such.bpf.o", error);
        (code, _, error) = Mbpf.Run("gen", "skeleton", Fixtures);
        Assert.Equal(1, code);
        Assert.Contains("is a directory", error);
    }
}
