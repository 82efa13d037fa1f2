using System.Globalization;
using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader.Core;

/// <summary>
/// libbpf's two loose compatibility relations: <c>bpf_core_types_are_compat</c>, which accepts a candidate for the
/// type-based relocations TYPE_EXISTS, TYPE_SIZE and TYPE_ID_TARGET, and <c>bpf_core_fields_are_compat</c>, which checks
/// a member found by name in a candidate. Both skip modifiers and typedefs; names are compared by the caller
/// (candidates share the local type's essential name), except where noted.
/// </summary>
internal static class CoreTypeCompat
{
    /// <summary>libbpf's recursion limit for both relations (<c>depth = 32</c>, and <c>level = 32</c> for prototypes).</summary>
    public const int MaxDepth = 32;

    /// <summary>
    /// <c>__bpf_core_types_are_compat</c>: same kind (enums interchangeable); structs, unions, enums, forwards and void
    /// are compatible on kind alone; integers unless one is a legacy bitfield integer (non-zero <c>BTF_INT_OFFSET</c>);
    /// pointers and arrays by their pointee/element; prototypes by parameter count and each parameter and the return
    /// type. Anything else (float included, as in libbpf) is incompatible. Too deep a chain fails the relocation.
    /// </summary>
    public static bool AreTypesCompatible(CoreReloContext context, BtfSpec localBtf, uint localId, BtfSpec targetBtf, uint targetId, int level = MaxDepth)
    {
        if (!CoreReloKinds.KindsCompatible(localBtf.KindOf(localId), targetBtf.KindOf(targetId)))
        {
            return false;
        }

        for (var depth = 0; ; depth++)
        {
            context.Step();
            if (depth >= MaxDepth)
            {
                context.Fail(Invariant($"type compatibility check of local [{localId}] and target [{targetId}] is nested more than {MaxDepth} deep"));
            }

            localId = localBtf.SkipModifiers(localId);
            targetId = targetBtf.SkipModifiers(targetId);
            var local = localBtf.TypeById(localId);
            var target = targetBtf.TypeById(targetId);
            if (!CoreReloKinds.KindsCompatible(local.Kind, target.Kind))
            {
                return false;
            }

            switch (local)
            {
                case BtfVoid or BtfComposite or BtfEnum or BtfEnum64 or BtfFwd:
                    return true;
                case BtfInt localInt:
                    return localInt.Offset == 0 && ((BtfInt)target).Offset == 0;
                case BtfPtr localPtr:
                    localId = localPtr.TypeId;
                    targetId = ((BtfPtr)target).TypeId;
                    continue;
                case BtfArray localArray:
                    localId = localArray.TypeId;
                    targetId = ((BtfArray)target).TypeId;
                    continue;
                case BtfFuncProto localProto:
                    var targetProto = (BtfFuncProto)target;
                    if (localProto.Params.Length != targetProto.Params.Length)
                    {
                        return false;
                    }

                    for (var i = 0; i < localProto.Params.Length; i++)
                    {
                        if (level <= 0)
                        {
                            context.Fail(Invariant($"function prototype compatibility check of local [{localId}] is nested more than {MaxDepth} deep"));
                        }

                        if (!AreTypesCompatible(
                                context,
                                localBtf,
                                localBtf.SkipModifiers(localProto.Params[i].TypeId),
                                targetBtf,
                                targetBtf.SkipModifiers(targetProto.Params[i].TypeId),
                                level - 1))
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
    /// <c>bpf_core_fields_are_compat</c>: any two structs or unions (mixed); pointers and floats on kind alone; forwards and
    /// enums when their essential names agree or either is anonymous; integers unless a legacy bitfield integer; arrays by
    /// element type, whatever their length. libbpf follows array chains without a bound; here a chain deeper than
    /// <see cref="MaxDepth"/> fails the relocation (only a cyclic BTF has one).
    /// </summary>
    public static bool AreFieldsCompatible(CoreReloContext context, BtfSpec localBtf, uint localId, BtfSpec targetBtf, uint targetId)
    {
        for (var depth = 0; ; depth++)
        {
            context.Step();
            if (depth >= MaxDepth)
            {
                context.Fail(Invariant($"field compatibility check of local [{localId}] and target [{targetId}] is nested more than {MaxDepth} deep"));
            }

            localId = localBtf.SkipModifiers(localId);
            targetId = targetBtf.SkipModifiers(targetId);
            var local = localBtf.TypeById(localId);
            var target = targetBtf.TypeById(targetId);
            if (local is BtfComposite && target is BtfComposite)
            {
                return true;
            }

            if (!CoreReloKinds.KindsCompatible(local.Kind, target.Kind))
            {
                return false;
            }

            switch (local)
            {
                case BtfPtr or BtfFloat:
                    return true;
                case BtfFwd or BtfEnum or BtfEnum64:
                    var localName = localBtf.GetStringBytes(local.NameOff);
                    var targetName = targetBtf.GetStringBytes(target.NameOff);
                    var localLength = BtfNames.EssentialLength(localName);
                    var targetLength = BtfNames.EssentialLength(targetName);
                    return localLength == 0 || targetLength == 0
                        || localName[..localLength].SequenceEqual(targetName[..targetLength]);
                case BtfInt localInt:
                    return localInt.Offset == 0 && ((BtfInt)target).Offset == 0;
                case BtfArray localArray:
                    localId = localArray.TypeId;
                    targetId = ((BtfArray)target).TypeId;
                    continue;
                default:
                    return false;
            }
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
