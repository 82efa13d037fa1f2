namespace ManagedBpf.Buffers.Ordering;

/// <summary>Receives one sample released by a <see cref="PerfSampleOrderer"/>, in timestamp order.</summary>
/// <param name="cpu">The CPU whose ring held the sample.</param>
/// <param name="time">The sample's <c>PERF_SAMPLE_TIME</c> value.</param>
/// <param name="payload">The raw data (the kernel's padded raw size); valid only during the call.</param>
public delegate void OrderedSampleCallback(int cpu, ulong time, ReadOnlySpan<byte> payload);
