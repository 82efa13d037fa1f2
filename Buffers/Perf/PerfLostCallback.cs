namespace ManagedBpf.Buffers.Perf;

/// <summary>Receives the count of a <c>PERF_RECORD_LOST</c>.</summary>
/// <param name="cpu">The CPU whose ring dropped records.</param>
/// <param name="lost">How many records the kernel dropped since the previous LOST record.</param>
public delegate void PerfLostCallback(int cpu, ulong lost);
