using ManagedBpf.Programs;

namespace ManagedBpf.Loader;

public sealed partial class ObjectSpec
{
    /// <summary>Applies the object's CO-RE relocations to the section copies, against the kernel's BTF.</summary>
    private void ApplyCoreRelocations(Dictionary<int, BpfInstruction[]> sections, CollectionOptions options)
    {
        _ = sections;
        _ = options;
        if (CoreRelocationCount > 0)
            throw new NotSupportedException("CO-RE relocation is being integrated.");
    }
}
