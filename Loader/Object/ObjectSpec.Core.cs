using ManagedBpf.Loader.Core;
using ManagedBpf.Programs;

namespace ManagedBpf.Loader;

public sealed partial class ObjectSpec
{
    /// <summary>
    /// Applies the object's CO-RE relocations to the section copies against the kernel's BTF, before
    /// sub-programs are appended (as libbpf does), so each copy of a sub-program carries the result.
    /// </summary>
    private List<CoreRelocationResult> ApplyCoreRelocations(Dictionary<int, BpfInstruction[]> sections, CollectionOptions options)
    {
        var results = new List<CoreRelocationResult>();
        if (BtfExt is not { } ext || ext.CoreRelo.Count == 0)
            return results;
        var relocator = new CoreRelocator(Btf!, options.KernelBtf ?? Loader.Btf.KernelBtf.Default);
        foreach (var section in ext.CoreRelo.Sections)
        {
            var index = sections.Keys.FirstOrDefault(i => Elf.Sections[i].Name == section.SecName, -1);
            if (index < 0)
                continue; // a section with no program that loads: libbpf skips it too
            results.AddRange(relocator.Apply(section.SecName, sections[index], section.Records));
        }
        return results;
    }
}
