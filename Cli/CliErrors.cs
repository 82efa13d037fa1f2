using ManagedBpf.Kernel;

namespace ManagedBpf.Cli;

/// <summary>Turns the library's documented exceptions into a message on stderr and a non-zero exit code.</summary>
internal static class CliErrors
{
    internal static int Run(Action action) => RunAsync(() =>
    {
        action();
        return Task.CompletedTask;
    }).GetAwaiter().GetResult();

    internal static async Task<int> RunAsync(Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
            return 0;
        }
        catch (ManagedBpf.Loader.BpfObjectFormatException e)
        {
            Console.Error.WriteLine($"mbpf: bad object: {e.Message}");
            return 65; // EX_DATAERR
        }
        catch (BpfSyscallException e)
        {
            Console.Error.WriteLine($"mbpf: {e.Message}");
            return e.Errno == Errno.EPERM ? 77 : 1; // 77: EX_NOPERM
        }
        catch (UnauthorizedAccessException e)
        {
            Console.Error.WriteLine($"mbpf: {e.Message}");
            return 77; // EX_NOPERM, as for EPERM
        }
        catch (Exception e) when (e is ManagedBpf.Buffers.RingCorruptedException or IOException or ArgumentException or FormatException or InvalidOperationException or NotSupportedException or KeyNotFoundException)
        {
            Console.Error.WriteLine($"mbpf: {e.Message}");
            return 1;
        }
    }
}
