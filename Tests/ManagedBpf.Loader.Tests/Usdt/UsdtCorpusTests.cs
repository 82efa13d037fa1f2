using System.Text.Json;
using ManagedBpf.Loader.Elf;
using ManagedBpf.Loader.Usdt;
using ManagedBpf.Programs;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Loader.Tests.Usdt;

/// <summary>
/// libbpf-bootstrap's usdt example (fixtures/corpus/libbpf-bootstrap/usdt.bpf.c, built by the corpus build), attached
/// as its loader does: <c>usdt_auto_attach</c> by its section <c>usdt/libc.so.6:libc:setjmp</c>, <c>usdt_manual_attach</c>
/// by an explicit call (here on the helper's probe). Both only bpf_printk, so runs are counted with the kernel's
/// BPF statistics (<c>run_cnt</c>, as <c>bpftool prog show</c> reports it).
/// </summary>
[Collection(DescriptorCounting.Collection)]
public sealed class UsdtCorpusTests
{
    [KernelFact]
    public void Bootstraps_usdt_example_attaches_and_runs()
    {
        var source = CorpusBuild.Objects.Single(s => s.Name == "libbpf-bootstrap/usdt.bpf.c");
        using var helper = ProbeHelper.Start();
        var spec = ObjectSpec.Open(source.ObjectPath!);
        spec.Variable("my_pid").Set(helper.Pid);
        using var collection = spec.Load();
        using var stats = BpfStats.Enable();

        using (collection.AttachUsdt("usdt_manual_attach", ProbeHelper.BinaryPath, "managedbpf", "args", new UsdtOptions { ProcessId = helper.Pid }))
        {
            helper.Run("usdt 3");
            Assert.Equal(3, BpfStats.RunCount(collection.Program("usdt_manual_attach")));
        }

        var libc = UprobeBinary.ResolvePath("libc.so.6");
        if (UsdtNotes.Read(ElfFile.Parse(File.ReadAllBytes(libc))).Any(n => n.Provider == "libc" && n.Name == "setjmp"))
        {
            // A glibc built with --enable-systemtap: the section attaches in every process; the program keeps my_pid's runs.
            using var attachment = collection.Attach(["usdt_auto_attach"]);
            Assert.IsType<UsdtLink>(Assert.Single(attachment.Links));
            helper.Run("setjmp 2");
            Assert.True(BpfStats.RunCount(collection.Program("usdt_auto_attach")) >= 2);
        }
        else
        {
            // Debian 12's libc6 carries no .note.stapsdt: libbpf fails this attach too ("no USDT notes section").
            var e = Assert.Throws<KeyNotFoundException>(() => collection.Attach(["usdt_auto_attach"]));
            Assert.Contains($"No USDT probe libc:setjmp in {libc}: it has no .note.stapsdt notes", e.Message);
        }
    }

    /// <summary><c>kernel.bpf_stats_enabled</c> on for the test's duration, and the run counts it makes the kernel keep.</summary>
    private sealed class BpfStats : IDisposable
    {
        private const string Sysctl = "/proc/sys/kernel/bpf_stats_enabled";
        private readonly string _before = File.ReadAllText(Sysctl).Trim();

        private BpfStats() => File.WriteAllText(Sysctl, "1");

        public static BpfStats Enable() => new();

        /// <summary>run_cnt of <paramref name="program"/> (bpftool leaves the field out while it is 0).</summary>
        public static long RunCount(Program program)
        {
            using var json = JsonDocument.Parse(ExternalTool.Run("bpftool", "prog", "show", "id", program.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json"));
            return json.RootElement.TryGetProperty("run_cnt", out var count) ? count.GetInt64() : 0;
        }

        public void Dispose() => File.WriteAllText(Sysctl, _before);
    }
}
