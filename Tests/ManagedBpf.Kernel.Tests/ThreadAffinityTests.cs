namespace ManagedBpf.Kernel.Tests;

public sealed class ThreadAffinityTests
{
    [Fact]
    public void Pins_the_calling_thread_and_no_other()
    {
        var cpu = KernelInfo.OnlineCpus()[^1];
        var mine = CpusAllowed();
        string? pinned = null;
        var thread = new Thread(() =>
        {
            ThreadAffinity.PinCurrentThread(cpu);
            pinned = CpusAllowed();
        });
        thread.Start();
        thread.Join();
        Assert.Equal(cpu.ToString(System.Globalization.CultureInfo.InvariantCulture), pinned);
        Assert.Equal(mine, CpusAllowed()); // the thread that started it keeps its mask
    }

    [Fact]
    public void A_CPU_that_is_not_there_is_refused_with_the_reason()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ThreadAffinity.PinCurrentThread(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ThreadAffinity.PinCurrentThread(4096));
        var missing = 4095; // beyond any CPU of this machine
        Assert.DoesNotContain(missing, KernelInfo.OnlineCpus());
        var error = Assert.Throws<BpfSyscallException>(() => ThreadAffinity.PinCurrentThread(missing));
        Assert.Equal(Errno.EINVAL, error.Errno);
        Assert.Contains("offline or outside", error.Message);
    }

    private static string CpusAllowed() =>
        File.ReadLines("/proc/thread-self/status").Single(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal)).Split('\t', 2)[1].Trim();
}
