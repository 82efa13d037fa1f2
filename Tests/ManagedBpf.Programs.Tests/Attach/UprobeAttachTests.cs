using ManagedBpf.Kernel;
using ManagedBpf.Loader.Elf;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Programs.Tests;

/// <summary>
/// Uprobes and uretprobes through the uprobe PMU, on a function of the gcc-built helper and on a libc
/// function, at offsets the Loader's ELF reader finds as libbpf does; the count is exact because the
/// probe is limited to the helper's pid.
/// </summary>
public sealed class UprobeAttachTests
{
    [KernelFact]
    public void A_uprobe_and_a_uretprobe_on_the_helpers_function_count_each_call_and_stop_when_disposed()
    {
        using var helper = ProbeHelper.Start();
        using var fixture = Fixture.Load();
        var offset = ElfSymbolOffsets.FindFunctionOffset(ProbeHelper.BinaryPath, "managedbpf_probe_target");
        var only = new UprobeOptions { ProcessId = helper.Pid };
        using (var entry = fixture["count_uprobe"].AttachUprobe(ProbeHelper.BinaryPath, offset, only))
        using (var exit = fixture["count_uretprobe"].AttachUprobe(ProbeHelper.BinaryPath, offset, only with { Retprobe = true }))
        {
            Assert.Equal(AttachMechanism.PerfEventLink, entry.Mechanism);
            helper.Run("call 7");
            Assert.Equal(7ul, fixture.Count(Slot.Uprobe));
            Assert.Equal(7ul, fixture.Count(Slot.Uretprobe));

            var info = exit.GetInfo();
            Assert.Equal(BpfPerfEventType.URETPROBE, info.PerfEventType);
            Assert.Equal(ProbeHelper.BinaryPath, info.Name);
        }
        helper.Run("call 7");
        Assert.Equal(7ul, fixture.Count(Slot.Uprobe));
        Assert.Equal(7ul, fixture.Count(Slot.Uretprobe));
    }

    [KernelFact]
    public void Another_process_does_not_fire_a_probe_limited_to_one_pid()
    {
        using var watched = ProbeHelper.Start();
        using var other = ProbeHelper.Start();
        using var fixture = Fixture.Load();
        var offset = ElfSymbolOffsets.FindFunctionOffset(ProbeHelper.BinaryPath, "managedbpf_probe_target");
        using var link = fixture["count_uprobe"].AttachUprobe(ProbeHelper.BinaryPath, offset, new UprobeOptions { ProcessId = watched.Pid });
        other.Run("call 5");
        watched.Run("call 3");
        Assert.Equal(3ul, fixture.Count(Slot.Uprobe));
    }

    [KernelTheory]
    [InlineData("getppid")]
    [InlineData("getppid@@GLIBC_2.2.5")]
    public void A_uprobe_on_a_libc_function_found_in_dynsym_fires_for_the_helpers_calls(string symbol)
    {
        using var helper = ProbeHelper.Start();
        using var fixture = Fixture.Load(tgid: helper.Pid);
        var libc = UprobeBinary.ResolvePath("libc.so.6");
        var offset = ElfSymbolOffsets.FindFunctionOffset(libc, symbol);
        using (fixture["count_libc_uprobe"].AttachUprobe(libc, offset))
        {
            helper.Run("getppid 4");
            Assert.Equal(4ul, fixture.Count(Slot.LibcUprobe));
        }
        helper.Run("getppid 4");
        Assert.Equal(4ul, fixture.Count(Slot.LibcUprobe));
    }

    [KernelFact]
    public void A_missing_binary_is_named()
    {
        using var fixture = Fixture.Load();
        Assert.Throws<FileNotFoundException>(() => fixture["count_uprobe"].AttachUprobe("/no/such/binary", 0x1000));
        var e = Assert.Throws<FileNotFoundException>(() => fixture["count_uprobe"].AttachUprobe("libmanagedbpf_missing.so", 0x1000));
        Assert.Contains("No library 'libmanagedbpf_missing.so'", e.Message);
    }
}
