using ManagedBpf.Loader.Elf;
using ManagedBpf.TestSupport;
using Xunit.Abstractions;

namespace ManagedBpf.Loader.Tests;

/// <summary>
/// Mutated fixtures loaded against the real kernel: every failure, at parse or at load, is an exception
/// <see cref="ObjectSpec.Load"/> (or Parse) documents, and after each attempt (failed, or loaded and
/// disposed) the process has exactly the BPF descriptors it had before. They are counted without
/// running finalizers, so one that only a finalizer would close is a leak (see <see cref="LoadAttempt"/>).
/// </summary>
[Collection(DescriptorCounting.Collection)]
public sealed class LoadMutationTests : IDisposable
{
    private const int MutationsPerFixture = 40;
    private static readonly uint[] Boundaries = [0, 1, 7, 8, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

    private readonly BpfFsDirectory _pins = new();
    private readonly ITestOutputHelper _output;

    public LoadMutationTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _pins.Dispose();

    [KernelFact]
    public void Loading_mutated_objects_throws_only_documented_exceptions_and_leaks_nothing()
    {
        var options = new CollectionOptions { PinDirectory = _pins.Path };
        LoadAttempt.Run(Fixtures.Bytes("maps.bpf.o"), options); // feature probes and kernel BTF are read once per process
        var failures = new List<string>();
        var outcomes = new Dictionary<string, int>();
        foreach (var name in Fixtures.Names)
        {
            var original = Fixtures.Bytes(name);
            var elf = ElfFile.Parse(original);
            var random = new Random(name.Length * 7919 + name[0]); // deterministic: a failure names a reproducible case
            for (var i = 0; i < MutationsPerFixture; i++)
            {
                var image = Mutate(original, elf, random, out var how);
                var baseline = LoadAttempt.Baseline();
                var thrown = LoadAttempt.Run(image, options);
                var leaked = LoadAttempt.OpenNow() - baseline;
                var outcome = thrown?.GetType().Name ?? "loaded";
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
                if (leaked != 0)
                    failures.Add($"{name} #{i} ({how}): {leaked} descriptors left open after {outcome}");
                if (thrown is not null && thrown is not BpfObjectFormatException && !LoadAttempt.IsDocumented(thrown))
                    failures.Add($"{name} #{i} ({how}): undocumented {thrown.GetType().Name}: {thrown.Message}\n{thrown.StackTrace}");
            }
        }
        _output.WriteLine(string.Join(", ", outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value}")));
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // The mutations must reach the kernel, not only the parser: some load, some are refused there.
        Assert.True(outcomes.GetValueOrDefault("loaded") > 0 && outcomes.GetValueOrDefault("BpfVerifierException") > 0, string.Join(", ", outcomes));
    }

    /// <summary>Bit flips and boundary words in code (verifier and relocation failures), in .BTF (map definitions), or anywhere.</summary>
    private static byte[] Mutate(byte[] original, ElfFile elf, Random random, out string how)
    {
        var image = (byte[])original.Clone();
        var code = elf.Sections.Where(s => (s.Flags & ElfSectionFlags.EXECINSTR) != 0 && s.Size >= 8).ToList();
        var btf = elf.FindSection(".BTF");
        var kind = random.Next(4);
        var region = kind switch
        {
            0 or 1 when code.Count > 0 => code[random.Next(code.Count)],
            2 when btf is not null => btf,
            _ => null,
        };
        var (start, length) = region is null ? (0, image.Length) : ((int)region.Offset, (int)region.Size);
        if (kind == 1)
        {
            var at = start + (random.Next(length / 4) * 4);
            var value = Boundaries[random.Next(Boundaries.Length)];
            BitConverter.TryWriteBytes(image.AsSpan(at), value);
            how = $"0x{value:x} at {at} in {region?.Name ?? "the file"}";
            return image;
        }
        var flips = random.Next(1, 4);
        for (var f = 0; f < flips; f++)
            image[start + random.Next(length)] ^= (byte)(1 << random.Next(8));
        how = $"{flips} bit flips in {region?.Name ?? "the file"}";
        return image;
    }
}
