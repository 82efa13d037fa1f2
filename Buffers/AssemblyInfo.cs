using System.Runtime.CompilerServices;

// The property tests drive the perf reader's internal state across reads (PerfValidatedRange) against their model.
[assembly: InternalsVisibleTo("ManagedBpf.Buffers.Tests")]
