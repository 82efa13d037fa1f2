using System.Globalization;
using System.Runtime.InteropServices;

namespace ManagedBpf.TestSupport;

/// <summary>
/// Runs a call that blocks on a thread of its own and tells when the kernel has put that thread to sleep in
/// <c>epoll_wait</c>: the signal a test needs before it wakes, cancels or disposes what the call waits on (a fixed
/// sleep is not one: on a busy machine the thread may not have started yet).
/// </summary>
/// <typeparam name="T">The call's result.</typeparam>
public sealed class BlockingCall<T>
{
    // The epoll_wait family's syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl, include/uapi/asm-generic/unistd.h).
    private static readonly long[] EpollWaits = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? [232, 281, 441] : [22, 441];

    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile int _tid;

    /// <summary>Starts <paramref name="call"/> on a new thread.</summary>
    public BlockingCall(Func<T> call)
    {
        var thread = new Thread(() =>
        {
            // /proc/thread-self links to "<pid>/task/<tid>".
            _tid = int.Parse(Path.GetFileName(new FileInfo("/proc/thread-self").LinkTarget!), CultureInfo.InvariantCulture);
            try
            {
                _completion.SetResult(call());
            }
            catch (Exception e)
            {
                _completion.SetException(e);
            }
        }) { IsBackground = true, Name = "blocking call" };
        thread.Start();
    }

    /// <summary>The call's outcome.</summary>
    public Task<T> Completion => _completion.Task;

    /// <summary>
    /// Returns once the thread sleeps in <c>epoll_wait</c> (read from <c>/proc/self/task/TID/syscall</c>); fails the
    /// test if the call completes first or 60 s pass.
    /// </summary>
    public async Task WaitUntilBlockedInEpollAsync()
    {
        var deadline = Environment.TickCount64 + 60_000;
        while (Environment.TickCount64 < deadline)
        {
            Assert.False(Completion.IsCompleted, $"the call returned before it blocked: {Completion.Status} {Completion.Exception?.InnerException?.Message}");
            if (_tid != 0 && InEpollWait(_tid))
                return;
            await Task.Delay(1);
        }

        Assert.Fail("the call did not block in epoll_wait within 60 s");
    }

    private static bool InEpollWait(int tid)
    {
        string line;
        try
        {
            line = File.ReadAllText($"/proc/self/task/{tid}/syscall");
        }
        catch (IOException)
        {
            return false; // the thread has ended
        }

        // "running" while on a CPU; "NR arg0 ... sp pc" while blocked in syscall NR.
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 && long.TryParse(line.AsSpan(0, space), NumberStyles.Integer, CultureInfo.InvariantCulture, out var nr) && EpollWaits.Contains(nr);
    }
}
