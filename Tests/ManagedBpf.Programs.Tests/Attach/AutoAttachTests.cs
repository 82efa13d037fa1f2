using ManagedBpf.Loader.Elf;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Programs.Tests;

/// <summary>Auto-attach as a libbpf skeleton does it, over every program of attach_counters.bpf.o.</summary>
public sealed class AutoAttachTests
{
    private static readonly AutoAttachOptions WithElfLookup = new() { ResolveFunctionOffset = ElfSymbolOffsets.FindFunctionOffset };

    [KernelFact]
    public void Sections_with_targets_attach_and_fire_and_the_rest_are_skipped_with_a_reason()
    {
        using var helper = ProbeHelper.Start();
        using var fixture = Fixture.Load(tgid: helper.Pid);
        using (var attached = AutoAttach.AttachAll(fixture.AutoAttachRequests(), WithElfLookup))
        {
            Assert.Equal(
                ["count_libc_uprobe", "count_raw_tp", "count_tp_btf", "count_tracepoint", "dump_task"],
                attached.Results.Where(r => r.Attached).Select(r => r.Program.Name).Order());
            var skipped = attached.Skipped.ToDictionary(r => r.Program.Name, r => r.SkipReason!);
            Assert.Contains("AttachUprobe(binary, offset)", skipped["count_uprobe"]);
            Assert.Contains("AttachUprobe(binary, offset)", skipped["count_uretprobe"]);
            Assert.Contains("AttachPerfEvent", skipped["count_perf_event"]);
            Assert.Contains("AttachSocketFilter", skipped["count_socket"]);
            Assert.Contains("AttachXdp", skipped["count_xdp"]);
            Assert.Contains("AttachTcx", skipped["count_tc_ingress"]);
            Assert.Contains("AttachCgroup", skipped["count_cgroup_skb"]);
            Assert.Contains("AttachCgroup", skipped["count_cgroup_sock"]);

            helper.Run("getppid 4");
            helper.Run("sleep 10");
            Assert.Equal(4ul, fixture.Count(Slot.Tracepoint));
            Assert.Equal(4ul, fixture.Count(Slot.LibcUprobe)); // uprobe/libc.so.6:getppid, found on the library path
            Assert.InRange(fixture.Count(Slot.RawTracepoint), 10ul, 1000ul);
            Assert.InRange(fixture.Count(Slot.TpBtf), 10ul, 1000ul);
            var iterator = Assert.IsType<IteratorLink>(attached.Results.Single(r => r.Program.Name == "dump_task").Link);
            Assert.Contains($"{helper.Pid} {helper.Pid} probe_helper", iterator.ReadAllText());
        }
        // A sched_switch already under way on another CPU when the link went may still land: let one command pass first.
        helper.Run("sleep 1");
        var counts = Enum.GetValues<Slot>().Select(fixture.Count).ToArray();
        helper.Run("getppid 4");
        helper.Run("sleep 10");
        Assert.Equal(counts, Enum.GetValues<Slot>().Select(fixture.Count).ToArray());
    }

    [KernelFact]
    public void A_uprobe_section_without_a_symbol_lookup_explains_what_is_needed()
    {
        using var fixture = Fixture.Load();
        var e = Assert.Throws<InvalidOperationException>(() =>
            AutoAttach.Attach(new AutoAttachRequest(fixture["count_libc_uprobe"], "uprobe", "libc.so.6:getppid")));
        Assert.Contains("ResolveFunctionOffset", e.Message);
    }

    [KernelFact]
    public void Bare_tracing_sections_are_skipped_and_unimplemented_kinds_refused()
    {
        using var fixture = Fixture.Load();
        var program = fixture["count_tracepoint"];
        Assert.Contains("AttachTracepoint(category, name)", AutoAttach.Attach(new AutoAttachRequest(program, "tp", null)).SkipReason);
        Assert.Contains("AttachRawTracepoint(name)", AutoAttach.Attach(new AutoAttachRequest(program, "raw_tp", null)).SkipReason);
        Assert.Contains("AttachKprobe(function)", AutoAttach.Attach(new AutoAttachRequest(program, "kprobe", null)).SkipReason);
        Assert.Contains("not one libbpf knows", AutoAttach.Attach(new AutoAttachRequest(program, null, null)).SkipReason);
        Assert.Contains("TestRun", AutoAttach.Attach(new AutoAttachRequest(program, "syscall", null)).SkipReason);
        Assert.Contains("does not attach 'uprobe.multi'", Assert.Throws<NotSupportedException>(() =>
            AutoAttach.Attach(new AutoAttachRequest(program, "uprobe.multi", "/bin/true:main"))).Message);
        Assert.Contains("Collection.AttachUsdt", AutoAttach.Attach(new AutoAttachRequest(program, "usdt", null)).SkipReason);
        Assert.Contains("AutoAttachOptions.AttachUsdt", Assert.Throws<InvalidOperationException>(() =>
            AutoAttach.Attach(new AutoAttachRequest(program, "usdt", "./managedbpf:provider:probe"))).Message);
        // The section's target reaches the Loader's hook in parts.
        var hook = new AutoAttachOptions { AttachUsdt = (p, binary, provider, name) => throw new HookCalledException($"{p.Name} {binary} {provider} {name}") };
        Assert.Equal("count_tracepoint ./app provider probe", Assert.Throws<HookCalledException>(() =>
            AutoAttach.Attach(new AutoAttachRequest(program, "usdt.s", "./app:provider:probe"), hook)).Message);
        Assert.Throws<FormatException>(() => AutoAttach.Attach(new AutoAttachRequest(program, "usdt", "app:probe"), hook));
        Assert.Throws<FormatException>(() => AutoAttach.Attach(new AutoAttachRequest(program, "tp", "sys_enter_getppid")));
    }

    /// <summary>Thrown by a test's hook to show what it was called with.</summary>
    private sealed class HookCalledException(string message) : Exception(message);
}
