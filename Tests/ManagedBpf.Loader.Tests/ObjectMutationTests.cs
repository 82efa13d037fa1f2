namespace ManagedBpf.Loader.Tests;

/// <summary>
/// Robustness of the whole object parse (ELF, BTF, BTF.ext, maps, data, relocations): 100,000 mutated
/// fixtures per run — bit flips, truncations, boundary values over words and over the section header
/// table's offsets, sizes and counts. Only <see cref="BpfObjectFormatException"/> may escape, and a
/// watchdog fails the test if any single input stops making progress.
/// </summary>
public sealed class ObjectMutationTests
{
    private const int MutationsPerFixture = 10_000;
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(20);
    private static readonly ulong[] Boundaries = [0, 1, 7, 8, 0x7f, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0xffffffff_ffffffff, 0x8000000000000000];

    [Fact]
    public async Task Only_format_errors_escape_and_every_input_finishes()
    {
        var fixtures = Fixtures.Names.Select(n => (Name: n, Bytes: Fixtures.Bytes(n))).ToArray();
        long progress = 0, rejected = 0, accepted = 0;
        string? failure = null;
        var current = new string[fixtures.Length];

        var worker = Task.Run(() => Parallel.For(0, fixtures.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, f =>
        {
            var (name, original) = fixtures[f];
            var random = new Random(f * 7919 + 17); // deterministic: a failure names a reproducible case
            var buffer = new byte[original.Length];
            for (var i = 0; i < MutationsPerFixture && Volatile.Read(ref failure) is null; i++)
            {
                var length = Mutate(original, buffer, random, out var how);
                current[f] = $"{name} #{i}: {how}";
                try
                {
                    var spec = ObjectSpec.Parse(buffer.AsMemory(0, length), "mutant");
                    Touch(spec);
                    Interlocked.Increment(ref accepted);
                }
                catch (BpfObjectFormatException)
                {
                    Interlocked.Increment(ref rejected);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, $"{current[f]} threw {e.GetType().Name}: {e.Message}\n{e.StackTrace}", null);
                }
                Interlocked.Increment(ref progress);
            }
        }));

        // Waits for the worker itself, bounded by Stall: each time the bound passes, some input must have finished since
        // the last time, or the parser hangs and the test fails with the inputs in flight.
        var last = 0L; // inputs finished when the watch started
        while (true)
        {
            try
            {
                await worker.WaitAsync(Stall); // rethrows what the worker threw
                break;
            }
            catch (TimeoutException)
            {
                var now = Interlocked.Read(ref progress);
                Assert.True(now != last, $"no input finished for {Stall.TotalSeconds} s; in flight: {string.Join("; ", current)}");
                last = now;
            }
        }
        Assert.True(failure is null, failure);
        Assert.Equal(fixtures.Length * (long)MutationsPerFixture, progress);
        Assert.True(progress >= 100_000, $"only {progress} inputs");
        Assert.True(rejected > 0 && accepted > 0, $"{rejected} rejected, {accepted} accepted: the mutations should produce both");
    }

    /// <summary>Decodes everything lazy in the spec, so damage in any type or record is reached.</summary>
    private static void Touch(ObjectSpec spec)
    {
        if (spec.Btf is { } btf)
        {
            for (var id = btf.FirstTypeId; id < btf.TypeCount; id++)
                _ = btf.TypeById(id);
        }
        foreach (var variable in spec.DataSections.Where(d => d.Size < 1 << 20).SelectMany(d => d.Variables))
            _ = variable.Bytes.Length; // (a huge .bss is only allocated when used: its size is not backed by the file)
    }

    private static int Mutate(byte[] original, byte[] buffer, Random random, out string how)
    {
        original.CopyTo(buffer, 0);
        var length = original.Length;
        switch (random.Next(5))
        {
            case 0:
                var flips = random.Next(1, 9);
                for (var i = 0; i < flips; i++)
                    buffer[random.Next(length)] ^= (byte)(1 << random.Next(8));
                how = $"{flips} bit flips";
                break;
            case 1:
                length = random.Next(length);
                how = $"truncated to {length}";
                break;
            case 2:
                var at = random.Next(Math.Max(1, length - 8));
                var value = Boundaries[random.Next(Boundaries.Length)];
                BitConverter.TryWriteBytes(buffer.AsSpan(at), random.Next(2) == 0 ? (uint)value : value);
                how = $"boundary 0x{value:x} at {at}";
                break;
            default:
                // The section header table: e_shoff at 0x28, 64-byte entries; hit offsets, sizes, links and counts.
                var shoff = (int)BitConverter.ToUInt64(original, 0x28);
                var shnum = BitConverter.ToUInt16(original, 0x3c);
                var entry = shoff + (64 * random.Next(Math.Max(1, (int)shnum)));
                int[] fields = [0x18, 0x20, 0x28, 0x2c, 0x30, 0x38];
                var field = entry + fields[random.Next(fields.Length)];
                var word = Boundaries[random.Next(Boundaries.Length)] ^ (ulong)random.Next(4096);
                if (field + 8 <= length)
                    BitConverter.TryWriteBytes(buffer.AsSpan(field), word);
                how = $"section header field at {field} = 0x{word:x}";
                break;
        }
        return length;
    }
}
