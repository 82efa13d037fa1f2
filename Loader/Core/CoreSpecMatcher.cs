using System.Globalization;
using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader.Core;

/// <summary>
/// libbpf's <c>bpf_core_spec_match</c>: tries a local spec on one candidate and, when it fits, builds the candidate's
/// spec (its accessors, raw path and bit offset). Fields are found by name, searching anonymous members recursively;
/// array elements must be in bounds unless the array is flexible; each named member found must be field-compatible
/// with the local one.
/// </summary>
internal static class CoreSpecMatcher
{
    /// <summary>Matches <paramref name="local"/> against candidate <paramref name="targetId"/>.</summary>
    /// <returns>The candidate's spec, or null when the candidate does not match.</returns>
    public static CoreSpec? Match(CoreReloContext context, CoreSpec local, BtfSpec targetBtf, uint targetId)
    {
        var target = new CoreSpec(targetBtf, targetId, local.Kind);
        if (CoreReloKinds.IsTypeBased(local.Kind))
        {
            var matches = local.Kind == BpfCoreReloKind.TYPE_MATCHES
                ? CoreTypesMatch.Match(context, local.Btf, local.RootTypeId, targetBtf, targetId)
                : CoreTypeCompat.AreTypesCompatible(context, local.Btf, local.RootTypeId, targetBtf, targetId);
            return matches ? target : null;
        }

        if (CoreReloKinds.IsEnumValBased(local.Kind))
        {
            return MatchEnumerator(local, target) ? target : null;
        }

        for (var i = 0; i < local.Accessors.Count; i++)
        {
            var localAccessor = local.Accessors[i];
            targetId = targetBtf.SkipModifiers(targetId);
            if (localAccessor.Name is not null)
            {
                if (!MatchMember(context, local.Btf, localAccessor, targetBtf, targetId, target, out targetId))
                {
                    return null;
                }

                continue;
            }

            // The root accessor (i = 0) indexes the root itself, as &p[0]; later ones index an array.
            if (i > 0)
            {
                if (targetBtf.TypeById(targetId) is not BtfArray array)
                {
                    return null;
                }

                if (!CoreSpecParser.IsFlexibleArray(targetBtf, target.Accessors[^1], array) && (uint)localAccessor.Index >= array.Nelems)
                {
                    return null;
                }

                targetId = targetBtf.SkipModifiers(array.TypeId);
            }

            if (target.Raw.Count == CoreSpec.MaxLength)
            {
                context.Fail(Invariant($"access path in candidate {CoreReloKinds.DescribeType(targetBtf, target.RootTypeId)} is longer than {CoreSpec.MaxLength}"));
            }

            target.Accessors.Add(new CoreAccessor(targetId, localAccessor.Index, null));
            target.Raw.Add(localAccessor.Index);
            target.AddBits(context, CoreSpec.ElementBits(localAccessor.Index, CoreSpecParser.SizeOf(context, targetBtf, targetId)));
        }

        return target;
    }

    /// <summary>The enumerator with the same essential name as the local one, in the candidate (any enum kind, after typedefs).</summary>
    private static bool MatchEnumerator(CoreSpec local, CoreSpec target)
    {
        var targetBtf = target.Btf;
        var targetId = targetBtf.SkipModifiers(target.RootTypeId);
        var localName = System.Text.Encoding.UTF8.GetBytes(local.Accessors[0].Name!);
        var localEssential = localName.AsSpan(0, BtfNames.EssentialLength(localName));
        var names = CoreReloKinds.EnumeratorNameOffsets(targetBtf.TypeById(targetId), out _);
        if (names is null)
        {
            return false;
        }

        for (var i = 0; i < names.Length; i++)
        {
            var name = targetBtf.GetStringBytes(names[i]);
            if (name[..BtfNames.EssentialLength(name)].SequenceEqual(localEssential))
            {
                target.Accessors.Add(new CoreAccessor(targetId, i, targetBtf.GetString(names[i])));
                target.Raw.Add(i);
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// libbpf's <c>bpf_core_match_member</c>: finds the local named member in target composite <paramref name="targetId"/>
    /// by exact name, descending into anonymous members depth first and in member order. The first member with the name
    /// decides: it matches when field-compatible, and the search ends either way. The raw path and bit offset are grown
    /// speculatively and rolled back on the way out of a miss.
    /// </summary>
    private static bool MatchMember(CoreReloContext context, BtfSpec localBtf, CoreAccessor localAccessor, BtfSpec targetBtf, uint targetId, CoreSpec target, out uint nextTargetId)
    {
        nextTargetId = 0;
        targetId = targetBtf.SkipModifiers(targetId);
        if (targetBtf.TypeById(targetId) is not BtfComposite composite)
        {
            return false;
        }

        var localMember = ((BtfComposite)localBtf.TypeById(localAccessor.TypeId)).Members[localAccessor.Index];
        var localName = localBtf.GetStringBytes(localMember.NameOff);
        for (var i = 0; i < composite.Members.Length; i++)
        {
            context.Step();
            var member = composite.Members[i];
            if (target.Raw.Count == CoreSpec.MaxLength)
            {
                context.Fail(Invariant($"access path in candidate {CoreReloKinds.DescribeType(targetBtf, target.RootTypeId)} is longer than {CoreSpec.MaxLength} (nested anonymous members?)"));
            }

            // Speculate that this member is the one.
            var bitOffsetBefore = target.BitOffset;
            target.AddBits(context, member.BitOffset);
            target.Raw.Add(i);

            var name = targetBtf.GetStringBytes(member.NameOff);
            if (name.IsEmpty)
            {
                // An embedded (anonymous) struct or union: its members are this one's.
                if (MatchMember(context, localBtf, localAccessor, targetBtf, member.TypeId, target, out nextTargetId))
                {
                    return true;
                }
            }
            else if (name.SequenceEqual(localName))
            {
                if (CoreTypeCompat.AreFieldsCompatible(context, localBtf, localMember.TypeId, targetBtf, member.TypeId))
                {
                    nextTargetId = member.TypeId;
                    target.Accessors.Add(new CoreAccessor(targetId, i, targetBtf.GetString(member.NameOff)));
                    return true;
                }

                // libbpf leaves this member on the raw path here; only a BTF with a name twice in one scope could tell.
                target.BitOffset = bitOffsetBefore;
                target.Raw.RemoveAt(target.Raw.Count - 1);
                return false;
            }

            target.BitOffset = bitOffsetBefore;
            target.Raw.RemoveAt(target.Raw.Count - 1);
        }

        return false;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
