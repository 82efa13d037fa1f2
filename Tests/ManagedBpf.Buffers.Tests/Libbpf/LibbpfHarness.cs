using System.Globalization;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Buffers.Tests.Libbpf;

/// <summary>
/// Benchmarks/libbpf/harness.c (libbpf from Debian's libbpf-dev, the oracle) built with gcc into a temporary
/// directory once per test run, and the producers fixture it loads.
/// </summary>
internal static class LibbpfHarness
{
    private static readonly Lazy<string> Built = new(Build);

    /// <summary>The checkout's root: the first directory above the test's output holding fixtures/obj/producers.bpf.o.</summary>
    internal static string Root { get; } = FindRoot();

    /// <summary>fixtures/obj/producers.bpf.o.</summary>
    internal static string Producers => Path.Combine(Root, "fixtures", "obj", "producers.bpf.o");

    /// <summary>Runs the harness with <paramref name="arguments"/> after the object path and returns its standard output.</summary>
    internal static string Run(params string[] arguments) => ExternalTool.Run(Built.Value, [Producers, .. arguments]);

    /// <summary>Parses the harness's <c>dump</c> lines ("cpu length hex").</summary>
    internal static List<DrainedRecord> Parse(string output)
    {
        var records = new List<DrainedRecord>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            Assert.Equal(3, fields.Length);
            var bytes = Convert.FromHexString(fields[2]);
            Assert.Equal(int.Parse(fields[1], CultureInfo.InvariantCulture), bytes.Length);
            records.Add(new DrainedRecord(int.Parse(fields[0], CultureInfo.InvariantCulture), bytes));
        }
        return records;
    }

    private static string Build()
    {
        var directory = Directory.CreateTempSubdirectory("managedbpf-libbpf-").FullName;
        var output = Path.Combine(directory, "harness");
        ExternalTool.Run("gcc", "-O2", "-Wall", "-o", output, Path.Combine(Root, "Benchmarks", "libbpf", "harness.c"), "-lbpf", "-lpthread");
        return output;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "fixtures", "obj", "producers.bpf.o")) && File.Exists(Path.Combine(dir.FullName, "Benchmarks", "libbpf", "harness.c")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"No checkout root (fixtures/obj/producers.bpf.o and Benchmarks/libbpf/harness.c) above {AppContext.BaseDirectory}.");
    }
}

/// <summary>One record as a consumer delivered it: the CPU (-1 for a ring buffer) and its bytes.</summary>
internal sealed record DrainedRecord(int Cpu, byte[] Bytes)
{
    public override string ToString() => $"{Cpu} {Bytes.Length} {Convert.ToHexStringLower(Bytes)}";
}
