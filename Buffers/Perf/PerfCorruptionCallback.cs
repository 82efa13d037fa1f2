namespace ManagedBpf.Buffers.Perf;

/// <summary>Receives a report of perf ring contents that break the ABI.</summary>
/// <param name="corruption">What, where and how much.</param>
public delegate void PerfCorruptionCallback(in PerfCorruption corruption);
