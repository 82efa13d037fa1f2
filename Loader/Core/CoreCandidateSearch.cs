using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader.Core;

/// <summary>
/// libbpf's <c>bpf_core_find_cands</c>/<c>bpf_core_add_cands</c>: the target types whose essential name equals the local
/// type's (<c>task_struct___pre_5_14</c> → every <c>task_struct</c>, and every <c>task_struct___x</c>) and whose kind is
/// compatible with the local type's own kind, typedefs not skipped (ENUM and ENUM64 stand in for each other). vmlinux is
/// searched first; module BTFs only when vmlinux has no candidate at all, each over its own types only.
/// </summary>
internal static class CoreCandidateSearch
{
    public static List<CoreCandidate> Find(BtfSpec localBtf, uint localTypeId, BtfSpec vmlinux, IReadOnlyList<BtfSpec> modules)
    {
        var localKind = localBtf.KindOf(localTypeId);
        var essentialName = BtfNames.EssentialName(localBtf.NameOf(localTypeId));
        var candidates = new List<CoreCandidate>();
        Add(candidates, vmlinux, essentialName, localKind, firstId: 1);
        if (candidates.Count > 0)
        {
            return candidates;
        }

        foreach (var module in modules)
        {
            Add(candidates, module, essentialName, localKind, module.FirstTypeId);
        }

        return candidates;
    }

    private static void Add(List<CoreCandidate> candidates, BtfSpec btf, string essentialName, BtfKind localKind, uint firstId)
    {
        foreach (var id in btf.FindTypesByEssentialName(essentialName))
        {
            // A module's lookup also returns its base's (vmlinux's) types, already searched.
            if (id >= firstId && CoreReloKinds.KindsCompatible(localKind, btf.KindOf(id)))
            {
                candidates.Add(new CoreCandidate(btf, id));
            }
        }
    }
}
