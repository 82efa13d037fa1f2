namespace ManagedBpf.Buffers.Perf;

/// <summary>
/// Receives one sample's raw data as a single span (a body that wraps around the ring is first copied into a pooled
/// buffer). A delegate type of its own because a span cannot be a generic argument of <see cref="Action{T1, T2}"/>.
/// </summary>
/// <param name="cpu">The CPU whose ring held the sample.</param>
/// <param name="payload">The raw data, valid only during the call.</param>
public delegate void PerfSampleCallback(int cpu, ReadOnlySpan<byte> payload);
