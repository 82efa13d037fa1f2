using System.Globalization;
using ManagedBpf.Loader.Btf;
using ManagedBpf.Programs;

namespace ManagedBpf.Loader.Core;

/// <summary>
/// Applies CO-RE relocations (<c>.BTF.ext</c> core_relo records) to BPF instructions against a target kernel's BTF, as
/// libbpf's <c>bpf_object__relocate_core</c> with <c>bpf_core_calc_relo_insn</c> and <c>bpf_core_patch_insn</c> do. Pure:
/// no syscalls, only the BTFs given.
/// </summary>
/// <remarks>
/// <para>
/// For each relocation: the access string is walked in the local (object) BTF; the target types whose essential name
/// (flavor suffix <c>___x</c> stripped) and kind agree with the local root type are the candidates (vmlinux first,
/// module BTFs only if vmlinux has none); the local spec is matched against each; every matching candidate must give
/// the same value, else the relocation is ambiguous; with no match, existence checks give 0, type-based relocations
/// give 0, and the rest poison the instruction (<c>call 0xbad2310</c>), which the verifier rejects only if reachable.
/// </para>
/// <para>
/// Candidates are cached per local type id and, as in libbpf, pruned to those that matched the last relocation that
/// matched any, so the order of relocations matters exactly as it does for libbpf. Use one relocator per object (libbpf's
/// cache lives for one <c>bpf_object__relocate_core</c>); it is not safe for concurrent use.
/// </para>
/// </remarks>
public sealed class CoreRelocator
{
    private readonly Dictionary<uint, List<CoreCandidate>> _candidates = [];
    private readonly BtfSpec[] _modules;

    /// <summary>Creates a relocator against one target BTF, such as <see cref="KernelBtf.Default"/> or a saved kernel BTF.</summary>
    /// <param name="localBtf">The object's <c>.BTF</c>, which the relocations' type ids and access strings refer to.</param>
    /// <param name="targetBtf">The target kernel's BTF.</param>
    public CoreRelocator(BtfSpec localBtf, BtfSpec targetBtf)
        : this(localBtf, targetBtf, [])
    {
    }

    /// <summary>Creates a relocator against vmlinux BTF and kernel module BTFs.</summary>
    /// <param name="localBtf">The object's <c>.BTF</c>.</param>
    /// <param name="vmlinuxBtf">The target kernel's vmlinux BTF, searched first.</param>
    /// <param name="moduleBtfs">Module BTFs split over <paramref name="vmlinuxBtf"/> (<see cref="KernelBtf.LoadModule"/>), searched in order when vmlinux has no candidate.</param>
    /// <exception cref="ArgumentException">A module BTF is not split over <paramref name="vmlinuxBtf"/>.</exception>
    public CoreRelocator(BtfSpec localBtf, BtfSpec vmlinuxBtf, IEnumerable<BtfSpec> moduleBtfs)
    {
        ArgumentNullException.ThrowIfNull(localBtf);
        ArgumentNullException.ThrowIfNull(vmlinuxBtf);
        ArgumentNullException.ThrowIfNull(moduleBtfs);
        _modules = [.. moduleBtfs];
        foreach (var module in _modules)
        {
            if (module is null || !ReferenceEquals(module.Base, vmlinuxBtf))
            {
                throw new ArgumentException($"module BTF '{module?.Section}' is not split over the given vmlinux BTF", nameof(moduleBtfs));
            }
        }

        LocalBtf = localBtf;
        TargetBtf = vmlinuxBtf;
    }

    /// <summary>The object's BTF.</summary>
    public BtfSpec LocalBtf { get; }

    /// <summary>The target vmlinux BTF.</summary>
    public BtfSpec TargetBtf { get; }

    /// <summary>The module BTFs searched when vmlinux has no candidate.</summary>
    public IReadOnlyList<BtfSpec> ModuleBtfs => _modules;

    /// <summary>
    /// Resolves and applies the CO-RE relocations of one ELF section to its instructions. Either every relocation is
    /// applied, or none is and the instructions are left as they were.
    /// </summary>
    /// <param name="sectionName">The ELF section (for results and errors), such as <c>tp_btf/sched_switch</c>.</param>
    /// <param name="sectionInstructions">The section's instructions; <see cref="BpfCoreRelo.InsnIndex"/> indexes them.</param>
    /// <param name="relocations">The section's CO-RE relocations, in <c>.BTF.ext</c> order (<see cref="BtfExtInfo{T}.For"/>).</param>
    /// <returns>One result per relocation, in order.</returns>
    /// <exception cref="CoreRelocationException">
    /// A relocation does not fit the local BTF or its instruction, or the target makes it ambiguous or unrepresentable.
    /// The message names the section, relocation, instruction, kind, local type and access string, as libbpf's warnings do.
    /// </exception>
    public IReadOnlyList<CoreRelocationResult> Apply(string sectionName, Span<BpfInstruction> sectionInstructions, IEnumerable<BpfCoreRelo> relocations)
    {
        ArgumentNullException.ThrowIfNull(sectionName);
        ArgumentNullException.ThrowIfNull(relocations);

        // Patch a copy, so a failure part way leaves the caller's instructions untouched.
        var scratch = sectionInstructions.ToArray();
        var results = new List<CoreRelocationResult>();
        var index = 0;
        foreach (var relo in relocations)
        {
            var context = new CoreReloContext(sectionName, index++, relo, LocalBtf);
            try
            {
                results.Add(ApplyOne(context, scratch));
            }
            catch (BpfObjectFormatException e)
            {
                // A BTF walk met a malformed chain (a typedef cycle): report it as this relocation's failure.
                context.Fail(e.Message, e);
            }
        }

        scratch.CopyTo(sectionInstructions);
        return results;
    }

    private CoreRelocationResult ApplyOne(CoreReloContext context, Span<BpfInstruction> instructions)
    {
        var relo = context.Relo;
        if (!CoreReloKinds.IsKnown(relo.Kind))
        {
            context.Fail(string.Create(CultureInfo.InvariantCulture, $"unrecognized CO-RE relocation kind {(uint)relo.Kind}"));
        }

        if (relo.TypeId >= LocalBtf.TypeCount)
        {
            context.Fail(string.Create(CultureInfo.InvariantCulture, $"type id {relo.TypeId} is not below the local BTF's type count {LocalBtf.TypeCount}"));
        }

        if (relo.InsnIndex >= (uint)instructions.Length)
        {
            context.Fail(string.Create(CultureInfo.InvariantCulture, $"instruction #{relo.InsnIndex} is outside the section's {instructions.Length} instructions"));
        }

        var local = CoreSpecParser.Parse(context);
        var (res, target) = Resolve(context, local);
        var insnIndex = (int)relo.InsnIndex;
        var instructionValue = CoreInstructionPatcher.Patch(context, instructions, insnIndex, res);
        return new CoreRelocationResult
        {
            Section = context.Section,
            InstructionIndex = insnIndex,
            Kind = relo.Kind,
            LocalTypeId = relo.TypeId,
            LocalTypeName = LocalBtf.NameOf(relo.TypeId),
            AccessString = relo.AccessString ?? string.Empty,
            LocalSpec = local.Format(),
            TargetBtf = target?.Btf,
            TargetTypeId = target?.RootTypeId,
            TargetTypeName = target?.Btf.NameOf(target.RootTypeId),
            TargetSpec = target?.Format(),
            LocalValue = res.OrigVal,
            TargetValue = res.Poison ? 0 : res.NewVal,
            InstructionValue = instructionValue,
            Validated = res.Validate && !res.Poison,
            Poisoned = res.Poison,
            PoisonReason = res.PoisonReason,
        };
    }

    /// <summary>
    /// libbpf's <c>bpf_core_calc_relo_insn</c>: matches the local spec against every cached candidate, requires the
    /// matching ones to agree, prunes the cache to them, and computes the result (from no candidate when none matched).
    /// </summary>
    private (CoreReloRes Res, CoreSpec? Target) Resolve(CoreReloContext context, CoreSpec local)
    {
        // TYPE_ID_LOCAL needs no target; its value can change when objects are linked, so it is not validated.
        if (local.Kind == BpfCoreReloKind.TYPE_ID_LOCAL)
        {
            return (new CoreReloRes { OrigVal = local.RootTypeId, NewVal = local.RootTypeId, Validate = false }, null);
        }

        if (LocalBtf.NameOffOf(local.RootTypeId) == 0)
        {
            context.Fail("relocations against anonymous types are not supported (libbpf has no candidate search for them)");
        }

        if (!_candidates.TryGetValue(local.RootTypeId, out var candidates))
        {
            candidates = CoreCandidateSearch.Find(LocalBtf, local.RootTypeId, TargetBtf, _modules);
            _candidates.Add(local.RootTypeId, candidates);
        }

        CoreReloRes? chosen = null;
        CoreSpec? chosenSpec = null;
        var matched = new List<CoreCandidate>();
        for (var i = 0; i < candidates.Count; i++)
        {
            var candidate = candidates[i];
            if (CoreSpecMatcher.Match(context, local, candidate.Btf, candidate.TypeId) is not { } candidateSpec)
            {
                continue;
            }

            var res = CoreValueCalculator.Calculate(context, local, candidateSpec);
            if (chosen is null)
            {
                chosen = res;
                chosenSpec = candidateSpec;
            }
            else if (candidateSpec.BitOffset != chosenSpec!.BitOffset)
            {
                context.Fail(string.Create(
                    CultureInfo.InvariantCulture,
                    $"field offset ambiguity: candidate #{i} {candidateSpec.Format()} is at bit {candidateSpec.BitOffset}, {chosenSpec.Format()} at bit {chosenSpec.BitOffset}"));
            }
            else if (res.Poison != chosen.Poison || res.NewVal != chosen.NewVal)
            {
                context.Fail(string.Create(
                    CultureInfo.InvariantCulture,
                    $"relocation decision ambiguity: candidate #{i} {candidateSpec.Format()} gives {Decision(res)}, {chosenSpec.Format()} gives {Decision(chosen)}"));
            }

            matched.Add(candidate);
        }

        if (chosen is null)
        {
            // No candidate matched: leave the cache as it was (the field may exist in none, by design).
            return (CoreValueCalculator.Calculate(context, local, null), null);
        }

        candidates.Clear();
        candidates.AddRange(matched);
        return (chosen, chosenSpec);
    }

    private static string Decision(CoreReloRes res) =>
        res.Poison ? "failure" : string.Create(CultureInfo.InvariantCulture, $"success {res.NewVal}");
}
