namespace ManagedBpf.Buffers.Perf;

/// <summary>
/// Receives what a perf ring holds. Implement it on a struct and pass it by <c>ref</c> to
/// <see cref="PerfConsumer.Read{THandler}(in PerfBufferView, int, PerfSampleLayout, ref THandler)"/>: the reader is
/// generic over the struct, so the JIT specializes it and can inline the calls.
/// </summary>
public interface IPerfRecordHandler
{
    /// <summary>Handles one well-formed sample.</summary>
    /// <param name="sample">The sample, pointing into the ring and valid only during this call.</param>
    /// <returns>
    /// <see langword="true"/> to continue; <see langword="false"/> to stop. The sample is consumed either way, and
    /// the rest of the batch is read by the next call.
    /// </returns>
    bool OnSample(in PerfSample sample);

    /// <summary>Handles a <c>PERF_RECORD_LOST</c>: the kernel dropped <paramref name="lost"/> records for lack of room.</summary>
    /// <param name="cpu">The CPU whose ring dropped them.</param>
    /// <param name="lost">How many records were dropped since the previous LOST record.</param>
    void OnLost(int cpu, ulong lost);

    /// <summary>Handles a report of contents that break the ABI (see <see cref="PerfCorruptionKind"/>).</summary>
    /// <param name="corruption">What, where and how much.</param>
    void OnCorruption(in PerfCorruption corruption);
}
