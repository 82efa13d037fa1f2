using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Cli.Tests;

/// <summary><c>mbpf load</c>'s pins, <c>mbpf features</c> without privileges, and the files every <c>--help</c> names.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class LoadFeaturesTests
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "fixtures");

    [KernelFact]
    public void Load_prints_the_pin_it_creates_and_then_the_pin_it_reuses()
    {
        using var dir = new BpfFsDirectory();
        var pin = dir["pinned_lru"];

        var (code, output, error) = Mbpf.Run("load", Path.Combine(Fixtures, "maps.bpf.o"), "--pin-root", dir.Path);
        Assert.True(code == 0, error);
        Assert.True(File.Exists(pin), $"maps.bpf.o pins pinned_lru by name, but nothing is at {pin}");
        var line = Assert.Single(output.Split('\n'), l => l.StartsWith("map ", StringComparison.Ordinal) && l.Contains(" pinned_lru ", StringComparison.Ordinal));
        Assert.Contains($"pinned {pin} (created", line);
        Assert.Single(output.Split('\n'), l => l.Contains(" pinned ", StringComparison.Ordinal)); // the object pins one map

        (code, output, error) = Mbpf.Run("load", Path.Combine(Fixtures, "maps.bpf.o"), "--pin-root", dir.Path, "--json");
        Assert.True(code == 0, error);
        var maps = JsonDocument.Parse(output).RootElement.GetProperty("maps").EnumerateArray().ToList();
        var pinned = Assert.Single(maps, m => m.GetProperty("pinned").ValueKind != JsonValueKind.Null);
        Assert.Equal("pinned_lru", pinned.GetProperty("name").GetString());
        Assert.Equal(pin, pinned.GetProperty("pinned").GetProperty("path").GetString());
        Assert.True(pinned.GetProperty("pinned").GetProperty("reused").GetBoolean());
    }

    [KernelFact]
    public void An_incompatible_map_pinned_at_the_name_is_an_error_that_names_the_pin_without_a_stack_trace()
    {
        using var dir = new BpfFsDirectory();
        ExternalTool.Run("bpftool", "map", "create", dir["pinned_lru"], "type", "hash", "key", "4", "value", "4", "entries", "1", "name", "pinned_lru");

        var (code, output, error) = Mbpf.Run("load", Path.Combine(Fixtures, "maps.bpf.o"), "--pin-root", dir.Path);
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.StartsWith($"mbpf: The map pinned at {dir["pinned_lru"]} cannot be reused for 'pinned_lru': type HASH vs LRU_HASH", error);
        Assert.DoesNotContain("   at ", error);
    }

    [KernelFact]
    public void A_pin_root_off_bpffs_gets_the_bpffs_hint_and_no_capability_hint()
    {
        var dir = Directory.CreateTempSubdirectory("mbpf-not-bpffs-");
        try
        {
            var (code, _, error) = Mbpf.Run("load", Path.Combine(Fixtures, "maps.bpf.o"), "--pin-root", dir.FullName);
            Assert.NotEqual(0, code);
            Assert.Contains($"{dir.FullName}/pinned_lru is not on a bpf filesystem", error);
            Assert.DoesNotContain("CAP_", error);
            Assert.DoesNotContain("   at ", error);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>Runs <c>mbpf features</c> as nobody with no capabilities, as an unprivileged user would.</summary>
    [KernelFact]
    public void Features_without_privileges_reports_what_it_can_and_names_the_capability_the_rest_needs()
    {
        using var home = new UnprivilegedHome();
        var (code, output, error) = RunWithout(Nobody, home, "features");
        Assert.True(code == 77, $"exit code {code}, expected 77 (some probes not run); stderr: {error}");
        Assert.Contains($"kernel           {Environment.OSVersion.Version.Major}.", output);
        Assert.Contains("kernel BTF       ", output);
        Assert.Contains("tracepoint PMU   yes", output);
        Assert.Matches(@"map types        none probed; not probed: HASH, ARRAY, .*\(This needs CAP_BPF \(or CAP_SYS_ADMIN, or root\), which this process lacks\.\); not probed: DEVMAP, .*\(This needs CAP_BPF and CAP_NET_ADMIN \(", output);
        Assert.Matches(@"program types    none probed; not probed: SOCKET_FILTER, .*\(This needs CAP_BPF \(or CAP_SYS_ADMIN, or root\), which this process lacks\.\)", output);
        Assert.Matches(@"not probed: KPROBE, TRACEPOINT, .*\(This needs CAP_BPF and CAP_PERFMON \(", output);
        // BPF_LINK_CREATE with a bad descriptor answers EBADF before any capability check, so it is probed here.
        Assert.Matches(@"bpf_link         (yes|no|not probed: .*CAP_BPF)\n", output);

        (code, output, error) = RunWithout(Nobody, home, "features", "--json");
        Assert.True(code == 77, $"exit code {code}; stderr: {error}");
        var json = JsonDocument.Parse(output).RootElement;
        Assert.True(json.GetProperty("page_size").GetInt32() > 0);
        Assert.All(json.GetProperty("map_types").EnumerateObject(), t => Assert.Equal(JsonValueKind.Null, t.Value.ValueKind));
        Assert.Equal(JsonValueKind.Number, json.GetProperty("pmus").GetProperty("tracepoint").ValueKind);
        var notProbed = json.GetProperty("not_probed");
        Assert.Contains("CAP_BPF", notProbed.GetProperty("map_types.array").GetString());
        Assert.Contains("CAP_PERFMON", notProbed.GetProperty("program_types.tracepoint").GetString());
    }

    /// <summary>Root without CAP_NET_ADMIN (and CAP_SYS_ADMIN, which stands in for it): networking types need it, the rest do not.</summary>
    [KernelFact]
    public void Features_without_cap_net_admin_says_which_types_need_it_instead_of_answering_no()
    {
        var (code, output, error) = RunWithout(["--inh-caps=-net_admin,-sys_admin", "--bounding-set=-net_admin,-sys_admin"], home: null, "features", "--json");
        Assert.True(code == 77, $"exit code {code}, expected 77 (some probes not run); stderr: {error}");
        var json = JsonDocument.Parse(output).RootElement;
        Assert.True(json.GetProperty("map_types").GetProperty("hash").GetBoolean());
        Assert.True(json.GetProperty("program_types").GetProperty("tracepoint").GetBoolean());
        var notProbed = json.GetProperty("not_probed");
        foreach (var (set, type) in new[] { ("program_types", "xdp"), ("program_types", "sched_cls"), ("map_types", "devmap"), ("map_types", "sockmap") })
        {
            Assert.Equal(JsonValueKind.Null, json.GetProperty(set).GetProperty(type).ValueKind);
            Assert.Contains("This needs CAP_NET_ADMIN (or CAP_SYS_ADMIN, or root), which this process lacks.", notProbed.GetProperty($"{set}.{type}").GetString());
        }
        Assert.False(notProbed.TryGetProperty("program_types.tracepoint", out _));
    }

    [KernelFact]
    public void Features_with_privileges_probes_everything_and_exits_0()
    {
        var (code, output, error) = Mbpf.Run("features", "--json");
        Assert.True(code == 0, error);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.True(json.GetProperty("map_types").GetProperty("ringbuf").GetBoolean());
        Assert.Empty(json.GetProperty("not_probed").EnumerateObject());
    }

    [Fact]
    public void Help_of_every_command_names_only_files_in_the_repository()
    {
        var root = RepositoryRoot();
        var checkedCommands = new List<string>();
        var missing = new List<string>();
        var pending = new Queue<string[]>([[]]);
        while (pending.TryDequeue(out var command))
        {
            var (code, output, error) = Mbpf.Run([.. command, "--help"]);
            var name = string.Join(' ', ["mbpf", .. command]);
            Assert.True(code == 0, $"{name} --help: exit code {code}: {error}");
            checkedCommands.Add(name);
            foreach (Match file in FileName().Matches(output))
            {
                var path = file.Value;
                var exists = path.Contains('/', StringComparison.Ordinal)
                    ? File.Exists(Path.Combine(root, path)) || Directory.Exists(Path.Combine(root, path))
                    : Directory.EnumerateFiles(root, path, SearchOption.AllDirectories).Any();
                if (!exists)
                    missing.Add($"{name} --help names {path}, which is not in the repository");
            }
            foreach (var sub in Subcommands(output))
                pending.Enqueue([.. command, sub]);
        }
        Assert.True(checkedCommands.Count >= 9, "commands found: " + string.Join(", ", checkedCommands));
        Assert.Contains("mbpf bench drain", checkedCommands);
        Assert.True(missing.Count == 0, string.Join('\n', missing));
    }

    /// <summary>The names in the "Commands:" section of a help text.</summary>
    private static IEnumerable<string> Subcommands(string help)
    {
        var inCommands = false;
        foreach (var line in help.Split('\n'))
        {
            if (line.TrimEnd() == "Commands:")
                inCommands = true;
            else if (inCommands && line.StartsWith("  ", StringComparison.Ordinal) && line.Trim().Length > 0)
                yield return line.Trim().Split(' ')[0];
            else if (line.Trim().Length == 0 || !line.StartsWith(' '))
                inCommands = false;
        }
    }

    /// <summary>A relative file name with an extension a repository file has (absolute paths are the machine's, not the repository's).</summary>
    [GeneratedRegex(@"(?<![\w./-])[\w-][\w./-]*\.(?:md|o|c|h|cs|sh|json|props|csproj|sln|txt)\b")]
    private static partial Regex FileName();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ManagedBpf.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"No ManagedBpf.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>The user nobody, with no capability.</summary>
    private static readonly string[] Nobody = ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"];

    /// <summary>Runs mbpf under setpriv with <paramref name="privileges"/> (what to drop), with <paramref name="home"/> as HOME and current directory when given.</summary>
    private static (int ExitCode, string Output, string Error) RunWithout(string[] privileges, UnprivilegedHome? home, params string[] arguments)
    {
        var start = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[.. privileges, "--", "dotnet", home?.Tool ?? Path.Combine(AppContext.BaseDirectory, "mbpf.dll"), .. arguments])
            start.ArgumentList.Add(argument);
        if (home is not null)
        {
            start.WorkingDirectory = home.HomeDirectory;
            start.Environment["HOME"] = home.HomeDirectory;
            start.Environment["DOTNET_CLI_HOME"] = home.HomeDirectory;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(120_000), "mbpf did not finish");
        return (process.ExitCode, output.Result, error);
    }
}
