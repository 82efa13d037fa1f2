using System.Runtime.InteropServices;
using ManagedBpf.Loader.Btf;
using ManagedBpf.Loader.Core;
using ManagedBpf.Programs;

namespace ManagedBpf.Loader.Tests.CoreSupport;

/// <summary>A fixture object's CO-RE relocations applied section by section with one relocator, as libbpf does per object.</summary>
internal sealed class CoreFixture
{
    private CoreFixture(BtfSpec localBtf, Dictionary<string, (BpfInstruction[] Original, BpfInstruction[] Patched, IReadOnlyList<CoreRelocationResult> Results)> sections)
    {
        LocalBtf = localBtf;
        Sections = sections;
    }

    public BtfSpec LocalBtf { get; }

    public Dictionary<string, (BpfInstruction[] Original, BpfInstruction[] Patched, IReadOnlyList<CoreRelocationResult> Results)> Sections { get; }

    public IEnumerable<CoreRelocationResult> AllResults => Sections.Values.SelectMany(s => s.Results);

    public static CoreFixture Apply(string name, BtfSpec target)
    {
        var (elf, btf, ext) = Fixtures.Open(name);
        var relocator = new CoreRelocator(btf, target);
        var sections = new Dictionary<string, (BpfInstruction[], BpfInstruction[], IReadOnlyList<CoreRelocationResult>)>(StringComparer.Ordinal);
        foreach (var section in ext.CoreRelo.Sections)
        {
            var data = elf.GetSectionData(elf.FindSection(section.SecName)!);
            var original = MemoryMarshal.Cast<byte, BpfInstruction>(data.Span).ToArray();
            var patched = (BpfInstruction[])original.Clone();
            var results = relocator.Apply(section.SecName, patched, section.Records);
            sections.Add(section.SecName, (original, patched, results));
        }

        return new CoreFixture(btf, sections);
    }
}
