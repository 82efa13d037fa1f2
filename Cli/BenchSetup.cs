using ManagedBpf.Buffers.Perf;
using ManagedBpf.Kernel;
using ManagedBpf.Loader;

namespace ManagedBpf.Cli;

/// <summary>
/// What a benchmark run starts from: the producers object configured (payload, records per test run, the ring's size),
/// the perf buffer's size, and the CPUs its threads take.
/// </summary>
internal sealed record BenchSetup(ObjectSpec Spec, bool ViaPerf, uint Payload, uint BufferSize, int Producers)
{
    /// <summary>The generator program: a syscall program for the ring, a raw tracepoint (run on a chosen CPU) for perf.</summary>
    public string ProgramName => ViaPerf ? "produce_perf" : "produce_ringbuf";

    /// <summary>Each CPU's perf buffer, <see cref="BufferSize"/> bytes.</summary>
    public PerfBufferOptions PerfOptions => new() { PageCount = (int)(BufferSize / (uint)KernelInfo.PageSize) };

    /// <summary>
    /// Opens the object and sets it up: <paramref name="recordsPerRun"/> records of <paramref name="payload"/> bytes per test
    /// run, and for the ring, <paramref name="bufferSize"/> bytes (the map's max_entries, set before the load).
    /// </summary>
    /// <remarks>The size was checked when the command line was parsed: a power-of-two number of pages.</remarks>
    public static BenchSetup Open(string? path, bool viaPerf, uint payload, uint recordsPerRun, uint bufferSize, int producers)
    {
        var spec = ObjectSpec.Open(path ?? FindFixture());
        spec.Variable("payload_size").Set(payload);
        spec.Variable("record_count").Set(recordsPerRun);
        if (!viaPerf)
        {
            var ring = spec.Map("ring");
            ring.Spec = ring.Spec with { MaxEntries = bufferSize };
        }

        return new(spec, viaPerf, payload, bufferSize, producers);
    }

    /// <summary>
    /// The producers' CPUs (the first online ones, taken again from the first when there are more producers than CPUs)
    /// and the consumer's: the next online CPU, or the last producer's when every CPU produces.
    /// </summary>
    public (int[] Producers, int Consumer) Cpus()
    {
        var online = KernelInfo.OnlineCpus(); // ids, which can have gaps
        var producers = Enumerable.Range(0, Producers).Select(i => online[i % online.Length]).ToArray();
        return (producers, online[Math.Min(Producers, online.Length - 1)]);
    }

    private static string FindFixture()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "fixtures", "obj", "producers.bpf.o");
                if (File.Exists(candidate))
                    return candidate;
            }
        }

        throw new FileNotFoundException("fixtures/obj/producers.bpf.o not found from the current or the tool's directory: pass --object.");
    }
}
