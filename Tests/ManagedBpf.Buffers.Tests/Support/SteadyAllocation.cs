namespace ManagedBpf.Buffers.Tests.Support;

/// <summary>
/// Bytes a piece of code allocates on this thread, measured the way a per-record allocation shows: in every attempt.
/// A reader that allocates per record allocates in each of them; what the runtime does now and then (ArrayPool.Shared
/// trimming its buckets after a gen-2 GC that another test caused, tiered JIT installing new code) shows in one
/// attempt at most. The least of a few attempts is therefore the code's own steady allocation.
/// </summary>
internal static class SteadyAllocation
{
    internal static long Measure(Action measured, int attempts = 3)
    {
        var least = long.MaxValue;
        for (var i = 0; i < attempts && least != 0; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            measured();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }
}
