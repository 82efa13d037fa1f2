using ManagedBpf.Loader.Btf;
using ManagedBpf.Loader.Elf;

namespace ManagedBpf.Loader.Tests;

/// <summary>Reads everything the readers can read from an object, the way a loader would, so fuzzing reaches every path.</summary>
internal static class ObjectWalker
{
    public static void ReadEverything(byte[] image)
    {
        var elf = ElfFile.Parse(image);
        elf.EnsureBpfRelocatable();
        foreach (var section in elf.Sections)
        {
            _ = elf.GetSectionData(section);
            if (section.Type is ElfSectionType.SYMTAB or ElfSectionType.DYNSYM)
            {
                foreach (var symbol in elf.GetSymbolTable(section))
                {
                    _ = symbol.Name;
                }
            }
            else if (section.Type is ElfSectionType.REL or ElfSectionType.RELA)
            {
                _ = elf.GetRelocations(section);
            }
        }

        if (elf.FindSection(".BTF") is not { } btfSection)
        {
            return;
        }

        var btf = BtfSpec.Parse(elf.GetSectionData(btfSection));
        WalkBtf(btf);
        if (elf.FindSection(".BTF.ext") is { } extSection)
        {
            _ = BtfExt.Parse(elf.GetSectionData(extSection), btf);
        }
    }

    public static void WalkBtf(BtfSpec btf)
    {
        for (var id = 0u; id < btf.TypeCount; id++)
        {
            _ = btf.TypeById(id);
            _ = btf.NameOf(id);
            _ = btf.TryGetSize(id, out _);
            try
            {
                _ = btf.SkipModifiers(id);
            }
            catch (BpfObjectFormatException)
            {
                // A cycle in mutated input is reported, never looped on.
            }
        }

        _ = btf.FindTypes("task_struct");
        _ = btf.Encode();
    }
}
