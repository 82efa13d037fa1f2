using ManagedBpf.Kernel;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Programs.Tests;

/// <summary>A task iterator read as a stream, and through a pin with a plain file read.</summary>
public sealed class IteratorAttachTests
{
    [KernelFact]
    public void A_task_iterator_lists_this_process()
    {
        using var fixture = Fixture.Load();
        using var iterator = fixture["dump_task"].AttachIterator();
        var lines = iterator.ReadAllText().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // "<tgid> <pid> <comm>": this process's main thread has pid == tgid.
        Assert.Contains($"{Environment.ProcessId} {Environment.ProcessId} ", lines.Select(l => string.Join(' ', l.Split(' ').Take(2)) + " "));
        Assert.True(lines.Length > 10);
        // Every Open runs the iterator again from the start.
        using var second = new StreamReader(iterator.Open());
        Assert.Equal(lines[0], second.ReadLine());
        Assert.Equal(BpfLinkType.ITER, iterator.GetInfo().Type);
        Assert.Equal("task", iterator.GetInfo().Name);
    }

    [KernelFact]
    public void A_task_iterator_limited_to_one_process_lists_only_its_threads()
    {
        using var fixture = Fixture.Load();
        using var helper = ProbeHelper.Start();
        using var iterator = fixture["dump_task"].AttachIterator(new IteratorOptions { ProcessId = helper.Pid });
        var line = Assert.Single(iterator.ReadAllText().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"{helper.Pid} {helper.Pid} probe_helper", line);
    }

    [KernelFact]
    public void A_pinned_iterator_is_read_like_a_file()
    {
        using var dir = new BpfFsDirectory();
        using var fixture = Fixture.Load();
        using var iterator = fixture["dump_task"].AttachIterator();
        iterator.Pin(dir["tasks"]);
        Assert.Contains($"{Environment.ProcessId} {Environment.ProcessId} ", File.ReadAllText(dir["tasks"]));
        iterator.Unpin();
        Assert.False(File.Exists(dir["tasks"]));
    }
}
