using System.Buffers.Binary;
using ManagedBpf.Loader.Elf;
using ManagedBpf.Loader.Usdt;
using ManagedBpf.Programs;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Loader.Tests.Usdt;

/// <summary>
/// USDT attachment against the real kernel: usdt_events.bpf.o on probe_helper's managedbpf:args (two sites of six
/// arguments: registers of 1, 2, 4 and 8 bytes, a long on the stack, an immediate; a semaphore in .probes).
/// </summary>
[Collection(DescriptorCounting.Collection)]
public sealed class UsdtAttachTests
{
    private static readonly string Object = Path.Combine(Fixtures.Directory, "usdt_events.bpf.o");

    [KernelFact]
    public void Every_argument_and_the_cookie_reach_the_program_and_the_semaphore_counts_the_attachment()
    {
        using var helper = ProbeHelper.Start();
        using var collection = Load(helper.Pid);
        Assert.True(collection.BpfCookie); // this kernel (5.15+): the spec id travels as BPF cookie
        Assert.Equal(0, helper.Run("semaphore"));

        using (var link = collection.AttachUsdt("usdt_args", ProbeHelper.BinaryPath, "managedbpf", "args", new UsdtOptions { ProcessId = helper.Pid, Cookie = 0xc00c1e }))
        {
            var sites = UsdtTargets.Find(ElfFile.Parse(File.ReadAllBytes(ProbeHelper.BinaryPath)), "managedbpf", "args", ProbeHelper.BinaryPath);
            Assert.Equal(2, sites.Count);
            Assert.Equal(2, link.Uprobes.Count);
            Assert.Equal(sites.Select(s => s.Note.Arguments).Distinct().Count(), link.SpecIds.Count);
            Assert.Equal(link.SpecIds.Count, collection.UsdtSpecIdsInUse);
            Assert.Contains("usdt managedbpf:args", link.Description);
            Assert.Equal(AttachMechanism.PerfEventLink, link.Mechanism);
            // The kernel counts each uprobe in the semaphore while it is attached (ref_ctr_offset).
            Assert.Equal(2, helper.Run("semaphore"));

            Assert.Equal(2, helper.Run("usdt 4"));

            var events = UsdtEvent.Drain(collection.Map("events"));
            Assert.Equal(4, events.Count);
            for (var i = 0; i < 4; i++)
                events[i].AssertIs(i + 1, helper.Pid, 0xc00c1e, UsdtEvent.ArgsProgram);
        }

        Assert.Equal(0, helper.Run("semaphore"));
        Assert.Equal(0, collection.UsdtSpecIdsInUse);
        helper.Run("usdt 2");
        Assert.Empty(UsdtEvent.Drain(collection.Map("events")));
    }

    [KernelFact]
    public void Each_attachment_has_its_own_specs_and_cookie_and_freed_ids_are_reused()
    {
        using var helper = ProbeHelper.Start();
        using var collection = Load(helper.Pid);
        var options = new UsdtOptions { ProcessId = helper.Pid };
        var first = collection.AttachUsdt("usdt_args", ProbeHelper.BinaryPath, "managedbpf", "args", options with { Cookie = 1 });
        using var second = collection.AttachUsdt("usdt_args", ProbeHelper.BinaryPath, "managedbpf", "args", options with { Cookie = 2 });
        Assert.Empty(first.SpecIds.Intersect(second.SpecIds));
        // The kernel counts uprobes (one per site), not their consumers: a second attachment adds none.
        Assert.Equal(2, helper.Run("semaphore"));

        helper.Run("usdt 1");
        Assert.Equal([1ul, 2ul], UsdtEvent.Drain(collection.Map("events")).Select(e => e.Cookie).Order());

        var freed = first.SpecIds.ToList();
        first.Dispose();
        first.Dispose(); // twice is harmless: the ids go back once
        Assert.Equal(2, helper.Run("semaphore"));
        using var third = collection.AttachUsdt("usdt_args", ProbeHelper.BinaryPath, "managedbpf", "args", options with { Cookie = 3 });
        Assert.Equal(freed, third.SpecIds);
        Assert.Equal(second.SpecIds.Count + third.SpecIds.Count, collection.UsdtSpecIdsInUse);

        helper.Run("usdt 1");
        Assert.Equal([2ul, 3ul], UsdtEvent.Drain(collection.Map("events")).Select(e => e.Cookie).Order());
    }

    [KernelFact]
    public void Without_bpf_cookies_programs_find_their_spec_by_instruction_pointer()
    {
        using var helper = ProbeHelper.Start();
        // As on a kernel before 5.15: LINUX_HAS_BPF_COOKIE is false, so usdt.bpf.h looks the spec id up by PT_REGS_IP.
        using var collection = Load(helper.Pid, new CollectionOptions { BpfCookie = false });
        var ips = collection.Map("__bpf_usdt_ip_to_spec_id");

        // The helper is a PIE (ET_DYN): its addresses differ in every process, so a process must be named.
        var e = Assert.Throws<NotSupportedException>(() => collection.AttachUsdt("usdt_args", ProbeHelper.BinaryPath, "managedbpf", "args"));
        Assert.Contains("give a process id", e.Message);

        using (var link = collection.AttachUsdt("usdt_args", ProbeHelper.BinaryPath, "managedbpf", "args", new UsdtOptions { ProcessId = helper.Pid, Cookie = 77 }))
        {
            var entries = IpEntries(ips);
            Assert.Equal(2, entries.Count);
            var maps = ProcessMapping.Parse(File.ReadAllText($"/proc/{helper.Pid}/maps"));
            Assert.All(entries.Keys, ip => Assert.Contains(maps, m => m.IsExecutable && ip >= m.Start && ip < m.End));
            Assert.All(entries.Values, id => Assert.Contains(id, link.SpecIds));

            // The same sites again would collide in the map: libbpf refuses that too.
            Assert.Contains("already attached", Assert.Throws<InvalidOperationException>(() =>
                collection.AttachUsdt("usdt_args", ProbeHelper.BinaryPath, "managedbpf", "args", new UsdtOptions { ProcessId = helper.Pid })).Message);
            Assert.Equal(2, IpEntries(ips).Count); // the refused attachment left the map as it was
            Assert.Equal(link.SpecIds.Count, collection.UsdtSpecIdsInUse);

            helper.Run("usdt 3");
            var events = UsdtEvent.Drain(collection.Map("events"));
            Assert.Equal(3, events.Count);
            for (var i = 0; i < 3; i++)
                events[i].AssertIs(i + 1, helper.Pid, 77, UsdtEvent.ArgsProgram);
        }

        Assert.Empty(IpEntries(ips));
        Assert.Equal(0, collection.UsdtSpecIdsInUse);
    }

    [KernelFact]
    public void A_link_outliving_its_collection_still_detaches()
    {
        using var helper = ProbeHelper.Start();
        var collection = Load(helper.Pid, new CollectionOptions { BpfCookie = false });
        var link = collection.AttachUsdt("usdt_args", ProbeHelper.BinaryPath, "managedbpf", "args", new UsdtOptions { ProcessId = helper.Pid });
        collection.Dispose();
        Assert.Equal(2, helper.Run("semaphore")); // the uprobes hold the programs and their maps

        link.Dispose(); // the address entries' map is closed here: nothing to undo, nothing thrown
        Assert.Equal(0, helper.Run("semaphore"));
    }

    [KernelFact]
    public void A_usdt_section_naming_its_probe_attaches_automatically()
    {
        using var helper = ProbeHelper.Start();
        using var collection = Load(helper.Pid);
        // usdt/probe_helper:managedbpf:args: a bare executable name, looked up on PATH as libbpf does.
        var path = Environment.GetEnvironmentVariable("PATH");
        Environment.SetEnvironmentVariable("PATH", Path.GetDirectoryName(ProbeHelper.BinaryPath) + ":" + path);
        AutoAttachment attachment;
        try
        {
            attachment = collection.Attach(["usdt_auto"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", path);
        }

        using (attachment)
        {
            var link = Assert.IsType<UsdtLink>(Assert.Single(attachment.Links));
            Assert.Contains(ProbeHelper.BinaryPath, link.Description);
            helper.Run("usdt 2");
            var events = UsdtEvent.Drain(collection.Map("events"));
            Assert.Equal(2, events.Count);
            events[0].AssertIs(1, helper.Pid, 0, UsdtEvent.AutoProgram);
        }
    }

    [KernelFact]
    public void Missing_probes_binaries_and_maps_are_explained()
    {
        using var collection = Load(0);
        var e = Assert.Throws<KeyNotFoundException>(() => collection.AttachUsdt("usdt_args", ProbeHelper.BinaryPath, "managedbpf", "nope"));
        Assert.Contains("its probes are managedbpf:args", e.Message);
        Assert.Throws<FileNotFoundException>(() => collection.AttachUsdt("usdt_args", "/no/such/binary", "p", "n"));
        Assert.Throws<KeyNotFoundException>(() => collection.AttachUsdt("no_such_program", ProbeHelper.BinaryPath, "managedbpf", "args"));
        // A bare usdt section names nothing to attach to: the message says what to call.
        Assert.Contains("Collection.AttachUsdt(program, binary, provider, name)", Assert.Throws<InvalidOperationException>(() => collection.Attach(["usdt_args"])).Message);

        using var other = ObjectSpec.Open(Path.Combine(Fixtures.Directory, "run_targets.bpf.o")).Load();
        var missing = Assert.Throws<InvalidOperationException>(() => other.AttachUsdt("on_call", ProbeHelper.BinaryPath, "managedbpf", "args"));
        Assert.Contains("include <bpf/usdt.bpf.h>", missing.Message);
    }

    private static Collection Load(int targetPid, CollectionOptions? options = null)
    {
        var spec = ObjectSpec.Open(Object);
        spec.Variable("target_pid").Set((uint)targetPid);
        return spec.Load(options);
    }

    private static Dictionary<ulong, int> IpEntries(ManagedBpf.Maps.Map ips)
    {
        var entries = new Dictionary<ulong, int>();
        foreach (var (key, value) in ips.Entries())
            entries[BinaryPrimitives.ReadUInt64LittleEndian(key)] = BinaryPrimitives.ReadInt32LittleEndian(value);
        return entries;
    }
}
