using System.Globalization;
using ManagedBpf.Buffers.Perf;
using ManagedBpf.Buffers.Ring;
using ManagedBpf.Programs;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Buffers.Tests.Libbpf;

/// <summary>
/// Differential tests with libbpf as the oracle (issue 4): records that the producers fixture writes through
/// BPF_PROG_TEST_RUN, drained by libbpf's <c>ring_buffer__consume</c> / <c>perf_buffer__consume</c> in the C harness
/// and by the managed <see cref="RingBuffer"/> / <see cref="PerfBuffer"/> from the same kind of run, are identical:
/// same count, order, lengths and bytes, per CPU for the perf buffer.
/// </summary>
/// <remarks>
/// Each side gets a fresh load of the object (so both sequences start at 0): libbpf drains its own load; for the
/// managed side the harness loads the object, sets <c>payload_size</c> and <c>record_count</c>, pins the program
/// and the map in a bpffs directory and exits, and the test runs the pinned program and drains the pinned map.
/// </remarks>
public sealed class LibbpfDifferentialTests
{
    [KernelTheory]
    [InlineData(8, 100)]
    [InlineData(13, 100)]
    [InlineData(64, 1000)]
    [InlineData(1000, 100)]
    [InlineData(1024, 200)]
    [InlineData(4096, 50)]
    public void Ring_buffer_records_equal_what_libbpf_drains(int payload, int records)
    {
        var expected = LibbpfHarness.Parse(LibbpfHarness.Run("dump", "ring", Text(payload), Text(records)));

        using var pins = new BpfFsDirectory();
        LibbpfHarness.Run("pin", "ring", Text(payload), Text(records), pins.Path);
        using var program = Program.OpenPinned(pins["prog"]);
        using var ring = RingBuffer.OpenPinned(pins["map"]);
        Assert.Equal((uint)records, program.TestRun().ReturnValue);
        var actual = new List<DrainedRecord>();
        var result = ring.Consume(bytes => actual.Add(new DrainedRecord(-1, bytes.ToArray())));

        Assert.Equal(records, expected.Count);
        Assert.Equal(records, result.Records);
        Assert.Equal(expected.Select(r => r.ToString()), actual.Select(r => r.ToString()));
    }

    [KernelTheory]
    [InlineData(8, 100)]
    [InlineData(13, 100)]
    [InlineData(64, 1000)]
    [InlineData(1000, 100)]
    [InlineData(1024, 200)]
    [InlineData(4096, 50)]
    public void Perf_buffer_samples_equal_what_libbpf_drains_per_cpu(int payload, int records)
    {
        using var pins = new BpfFsDirectory();
        LibbpfHarness.Run("pin", "perf", Text(payload), Text(records), pins.Path);
        using var program = Program.OpenPinned(pins["prog"]);
        using var buffer = PerfBuffer.OpenPinned(pins["map"], new PerfBufferOptions { PageCount = 64 });
        var cpus = buffer.Cpus;

        // The same CPUs in the same order on both sides: the sequence number is global to the load.
        var expected = LibbpfHarness.Parse(LibbpfHarness.Run("dump", "perf", Text(payload), Text(records), string.Join(',', cpus)));

        Span<byte> context = stackalloc byte[8];
        foreach (var cpu in cpus)
            Assert.Equal((uint)records, program.TestRun(contextIn: context, flags: TestRunFlags.RunOnCpu, cpu: (uint)cpu).ReturnValue);
        var actual = new List<DrainedRecord>();
        var result = buffer.ConsumeAll((cpu, bytes) => actual.Add(new DrainedRecord(cpu, bytes.ToArray())));

        Assert.Equal(0UL, result.Lost);
        Assert.Equal(0L, result.CorruptedRecords);
        Assert.Equal(records * cpus.Count, expected.Count);
        Assert.Equal(records * cpus.Count, actual.Count);
        foreach (var cpu in cpus)
        {
            Assert.Equal(
                expected.Where(r => r.Cpu == cpu).Select(r => r.ToString()),
                actual.Where(r => r.Cpu == cpu).Select(r => r.ToString()));
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
