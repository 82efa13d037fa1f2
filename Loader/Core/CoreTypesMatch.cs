using System.Globalization;
using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader.Core;

/// <summary>
/// libbpf's <c>bpf_core_types_match</c>, the stricter relation behind TYPE_MATCHES (<c>bpf_core_type_matches()</c>):
/// modifiers and typedefs are skipped, names must agree up to their flavor at every level, and then
/// <list type="bullet">
/// <item>integers match on size and signedness;</item>
/// <item>pointers and arrays match on their target (arrays also on length);</item>
/// <item>structs and unions must be the same kind and every local member must have a same-named target member whose type
/// matches, except behind a pointer, where kind (or a forward declaration of that kind) is enough;</item>
/// <item>enums (ENUM and ENUM64 interchangeably) match on size and on every local enumerator name existing in the target;</item>
/// <item>forward declarations match forward declarations of the same flavor (struct or union), or behind a pointer a struct or union of that flavor;</item>
/// <item>prototypes match on parameter count, each parameter and the return type;</item>
/// <item>anything else (float included, as in libbpf) does not match.</item>
/// </list>
/// </summary>
internal static class CoreTypesMatch
{
    public static bool Match(CoreReloContext context, BtfSpec localBtf, uint localId, BtfSpec targetBtf, uint targetId) =>
        Match(context, localBtf, localId, targetBtf, targetId, behindPointer: false, CoreTypeCompat.MaxDepth);

    private static bool Match(CoreReloContext context, BtfSpec localBtf, uint localId, BtfSpec targetBtf, uint targetId, bool behindPointer, int level)
    {
        if (level <= 0)
        {
            context.Fail(Invariant($"type match of local [{localId}] and target [{targetId}] is nested more than {CoreTypeCompat.MaxDepth} deep"));
        }

        for (var depth = 0; ; depth++)
        {
            context.Step();
            if (depth >= CoreTypeCompat.MaxDepth)
            {
                context.Fail(Invariant($"type match of local [{localId}] and target [{targetId}] follows more than {CoreTypeCompat.MaxDepth} pointers or arrays"));
            }

            localId = localBtf.SkipModifiers(localId);
            targetId = targetBtf.SkipModifiers(targetId);
            var local = localBtf.TypeById(localId);
            var target = targetBtf.TypeById(targetId);

            // Checked after typedefs are skipped, yet a root typedef's own name was matched by the candidate search.
            if (!NamesMatch(localBtf, local.NameOff, targetBtf, target.NameOff))
            {
                return false;
            }

            switch (local)
            {
                case BtfVoid:
                    return target is BtfVoid;

                case BtfFwd localFwd:
                    return behindPointer
                        ? target switch
                        {
                            BtfFwd targetFwd => targetFwd.IsUnion == localFwd.IsUnion,
                            BtfStruct => !localFwd.IsUnion,
                            BtfUnion => localFwd.IsUnion,
                            _ => false,
                        }
                        : target is BtfFwd f && f.IsUnion == localFwd.IsUnion;

                case BtfEnum or BtfEnum64:
                    return CoreReloKinds.IsAnyEnum(target.Kind) && EnumsMatch(localBtf, local, targetBtf, target);

                case BtfComposite localComposite:
                    if (behindPointer)
                    {
                        return local.Kind == target.Kind || (target is BtfFwd fwd && fwd.IsUnion == (local.Kind == BtfKind.UNION));
                    }

                    return local.Kind == target.Kind
                        && CompositesMatch(context, localBtf, localComposite, targetBtf, (BtfComposite)target, behindPointer, level);

                case BtfInt localInt:
                    return target is BtfInt targetInt && localInt.Size == targetInt.Size && localInt.IsSigned == targetInt.IsSigned;

                case BtfPtr localPtr:
                    if (target is not BtfPtr targetPtr)
                    {
                        return false;
                    }

                    behindPointer = true;
                    localId = localPtr.TypeId;
                    targetId = targetPtr.TypeId;
                    continue;

                case BtfArray localArray:
                    if (target is not BtfArray targetArray || localArray.Nelems != targetArray.Nelems)
                    {
                        return false;
                    }

                    localId = localArray.TypeId;
                    targetId = targetArray.TypeId;
                    continue;

                case BtfFuncProto localProto:
                    if (target is not BtfFuncProto targetProto || localProto.Params.Length != targetProto.Params.Length)
                    {
                        return false;
                    }

                    for (var i = 0; i < localProto.Params.Length; i++)
                    {
                        if (!Match(context, localBtf, localProto.Params[i].TypeId, targetBtf, targetProto.Params[i].TypeId, behindPointer, level - 1))
                        {
                            return false;
                        }
                    }

                    localId = localProto.ReturnTypeId;
                    targetId = targetProto.ReturnTypeId;
                    continue;

                default:
                    return false;
            }
        }
    }

    /// <summary>
    /// libbpf's <c>bpf_core_names_match</c>: an anonymous target matches only an anonymous local; otherwise the essential
    /// names (flavors stripped) must be equal.
    /// </summary>
    private static bool NamesMatch(BtfSpec localBtf, uint localNameOff, BtfSpec targetBtf, uint targetNameOff)
    {
        var localName = localBtf.GetStringBytes(localNameOff);
        var targetName = targetBtf.GetStringBytes(targetNameOff);
        if (targetName.IsEmpty)
        {
            return localName.IsEmpty;
        }

        return localName[..BtfNames.EssentialLength(localName)].SequenceEqual(targetName[..BtfNames.EssentialLength(targetName)]);
    }

    /// <summary>libbpf's <c>bpf_core_enums_match</c>: same size, and every local enumerator has a same-named one in the target (values are not compared).</summary>
    private static bool EnumsMatch(BtfSpec localBtf, BtfType local, BtfSpec targetBtf, BtfType target)
    {
        var localNames = CoreReloKinds.EnumeratorNameOffsets(local, out var localSize)!;
        var targetNames = CoreReloKinds.EnumeratorNameOffsets(target, out var targetSize)!;
        if (localSize != targetSize || localNames.Length > targetNames.Length)
        {
            return false;
        }

        foreach (var localName in localNames)
        {
            var matched = false;
            foreach (var targetName in targetNames)
            {
                if (NamesMatch(localBtf, localName, targetBtf, targetName))
                {
                    matched = true;
                    break;
                }
            }

            if (!matched)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// libbpf's <c>bpf_core_composites_match</c>: no more local members than target members, and each local member has a
    /// same-named (flavor-insensitive) target member whose type matches; the first such target member wins.
    /// </summary>
    private static bool CompositesMatch(CoreReloContext context, BtfSpec localBtf, BtfComposite local, BtfSpec targetBtf, BtfComposite target, bool behindPointer, int level)
    {
        if (local.Members.Length > target.Members.Length)
        {
            return false;
        }

        foreach (var localMember in local.Members)
        {
            var matched = false;
            foreach (var targetMember in target.Members)
            {
                context.Step();
                if (NamesMatch(localBtf, localMember.NameOff, targetBtf, targetMember.NameOff)
                    && Match(context, localBtf, localMember.TypeId, targetBtf, targetMember.TypeId, behindPointer, level - 1))
                {
                    matched = true;
                    break;
                }
            }

            if (!matched)
            {
                return false;
            }
        }

        return true;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
