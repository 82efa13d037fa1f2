using System.Globalization;
using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader.Core;

/// <summary>
/// libbpf's <c>bpf_core_calc_relo</c> and its per-family helpers <c>bpf_core_calc_field_relo</c>,
/// <c>bpf_core_calc_type_relo</c> and <c>bpf_core_calc_enumval_relo</c>: the value a spec gives for a relocation kind,
/// computed once from the local spec (what the compiler wrote) and once from the target spec (what to write).
/// </summary>
internal static class CoreValueCalculator
{
    /// <summary>Computes a relocation from the local spec and a matched candidate's spec, or no candidate at all.</summary>
    /// <param name="context">The relocation.</param>
    /// <param name="local">The local spec.</param>
    /// <param name="target">The matched candidate's spec, or null when no candidate matched.</param>
    public static CoreReloRes Calculate(CoreReloContext context, CoreSpec local, CoreSpec? target)
    {
        var kind = local.Kind;
        var res = new CoreReloRes();
        if (CoreReloKinds.IsFieldBased(kind))
        {
            var orig = CalcField(context, kind, local)!.Value;
            (res.OrigVal, res.OrigSize, res.OrigTypeId, res.Validate) = orig;
            if (CalcField(context, kind, target) is not { } targetField)
            {
                return Poisoned(res, "no candidate in the target has this field");
            }

            (res.NewVal, res.NewSize, res.NewTypeId, _) = targetField;
            if (res.OrigSize != res.NewSize)
            {
                // A load or store may be resized only where zero-extension keeps the value: a pointer (32-bit kernel
                // pointers read as u64) or an unsigned integer. Checked by the patcher for memory instructions only.
                var origType = local.Btf.TypeById(res.OrigTypeId);
                var newType = target!.Btf.TypeById(res.NewTypeId);
                var safe = (origType is BtfPtr && newType is BtfPtr)
                    || (origType is BtfInt o && newType is BtfInt n && o.Encoding != BtfIntEncoding.SIGNED && n.Encoding != BtfIntEncoding.SIGNED);
                res.FailMemSizeAdjust = !safe;
            }
        }
        else if (CoreReloKinds.IsTypeBased(kind))
        {
            res.OrigVal = CalcType(context, kind, local);
            res.Validate = kind != BpfCoreReloKind.TYPE_ID_TARGET; // type ids move when objects are linked
            res.NewVal = target is null ? 0 : CalcType(context, kind, target);
        }
        else
        {
            res.OrigVal = CalcEnumVal(kind, local)!.Value;
            if (CalcEnumVal(kind, target) is not { } value)
            {
                return Poisoned(res, "no candidate in the target has this enumerator");
            }

            res.NewVal = value;
        }

        return res;
    }

    private static CoreReloRes Poisoned(CoreReloRes res, string reason)
    {
        res.Poison = true;
        res.PoisonReason = reason;
        return res;
    }

    /// <summary>
    /// <c>bpf_core_calc_field_relo</c>. For a bitfield, the load is the smallest naturally aligned power-of-two size, from
    /// the member type's size up to 8 bytes, that covers all its bits; the shifts turn that load into the value
    /// (<c>(u64)load &lt;&lt; lshift &gt;&gt; rshift</c>, little-endian). Returns null for a missing field (poison),
    /// except for FIELD_EXISTS, which is 0.
    /// </summary>
    private static (ulong Value, uint MemorySize, uint TypeId, bool Validate)? CalcField(CoreReloContext context, BpfCoreReloKind kind, CoreSpec? spec)
    {
        if (kind == BpfCoreReloKind.FIELD_EXISTS)
        {
            return (spec is null ? 0ul : 1ul, 0, 0, true);
        }

        if (spec is null)
        {
            return null;
        }

        var btf = spec.Btf;
        var accessor = spec.Accessors[^1];
        var bitOff = (uint)spec.BitOffset;

        // An array element (or the root element itself): a whole object, never a bitfield.
        if (accessor.Name is null)
        {
            var size = CoreSpecParser.SizeOf(context, btf, accessor.TypeId);
            return kind switch
            {
                BpfCoreReloKind.FIELD_BYTE_OFFSET => (bitOff / 8, size, accessor.TypeId, true),
                BpfCoreReloKind.FIELD_BYTE_SIZE => (size, 0, 0, true),
                _ => Fail(context, $"{CoreReloKinds.Name(kind)} cannot be applied to an array element"),
            };
        }

        var composite = (BtfComposite)btf.TypeById(accessor.TypeId);
        var member = composite.Members[accessor.Index];
        var fieldTypeId = btf.SkipModifiers(member.TypeId);
        var fieldType = btf.TypeById(fieldTypeId);
        uint bitSz = member.BitfieldSize;
        var bitfield = bitSz > 0;
        uint byteSz, byteOff;
        if (bitfield)
        {
            byteSz = fieldType switch
            {
                BtfInt t => t.Size,
                BtfEnum t => t.Size,
                BtfEnum64 t => t.Size,
                _ => 0,
            };
            if (byteSz == 0)
            {
                Fail(context, $"bitfield member {accessor.Name} has type {CoreReloKinds.DescribeType(btf, fieldTypeId)}, not a sized integer or enum");
            }

            byteOff = bitOff / 8 / byteSz * byteSz;
            while ((ulong)bitOff + bitSz - ((ulong)byteOff * 8) > (ulong)byteSz * 8)
            {
                if (byteSz >= 8)
                {
                    Fail(context, $"bitfield {accessor.Name} ({bitSz} bits at bit {bitOff}) cannot be read with one 64-bit load");
                }

                byteSz *= 2;
                byteOff = bitOff / 8 / byteSz * byteSz;
            }
        }
        else
        {
            byteSz = CoreSpecParser.SizeOf(context, btf, fieldTypeId);
            byteOff = bitOff / 8;
            bitSz = unchecked(byteSz * 8);
        }

        // libbpf computes these in u32 arithmetic and zero-extends, so a shift past 64 wraps as it does there.
        return kind switch
        {
            BpfCoreReloKind.FIELD_BYTE_OFFSET => bitfield ? (byteOff, 0, 0, false) : (byteOff, byteSz, fieldTypeId, true),
            BpfCoreReloKind.FIELD_BYTE_SIZE => (byteSz, 0, 0, !bitfield),
            BpfCoreReloKind.FIELD_SIGNED => (IsSigned(fieldType) ? 1ul : 0ul, 0, 0, true),
            BpfCoreReloKind.FIELD_LSHIFT_U64 => (unchecked(64u - (bitOff + bitSz - (byteOff * 8))), 0, 0, !bitfield),
            BpfCoreReloKind.FIELD_RSHIFT_U64 => (unchecked(64u - bitSz), 0, 0, true),
            _ => Fail(context, $"{CoreReloKinds.Name(kind)} is not a field relocation"),
        };
    }

    /// <summary>Signed integers and enums with the signed kind flag; anything else (pointers, chars without the flag) is unsigned.</summary>
    private static bool IsSigned(BtfType type) => type switch
    {
        BtfInt t => t.IsSigned,
        BtfEnum t => t.IsSigned,
        BtfEnum64 t => t.IsSigned,
        _ => false,
    };

    /// <summary><c>bpf_core_calc_type_relo</c> for a matched spec (a missing type is 0, decided by the caller).</summary>
    private static ulong CalcType(CoreReloContext context, BpfCoreReloKind kind, CoreSpec spec) => kind switch
    {
        BpfCoreReloKind.TYPE_ID_TARGET => spec.RootTypeId,
        BpfCoreReloKind.TYPE_EXISTS or BpfCoreReloKind.TYPE_MATCHES => 1,
        BpfCoreReloKind.TYPE_SIZE => CoreSpecParser.SizeOf(context, spec.Btf, spec.RootTypeId),
        _ => Fail<ulong>(context, $"{CoreReloKinds.Name(kind)} is not computed from a candidate"),
    };

    /// <summary>
    /// <c>bpf_core_calc_enumval_relo</c>. A 32-bit enumerator is sign-extended whatever the enum's signedness, as libbpf
    /// does (<c>btf_enum.val</c> is an <c>__s32</c>); a 64-bit one is taken as is. Null for a missing enumerator (poison),
    /// except for ENUMVAL_EXISTS, which is 0.
    /// </summary>
    private static ulong? CalcEnumVal(BpfCoreReloKind kind, CoreSpec? spec)
    {
        if (kind == BpfCoreReloKind.ENUMVAL_EXISTS)
        {
            return spec is null ? 0ul : 1ul;
        }

        if (spec is null)
        {
            return null;
        }

        var accessor = spec.Accessors[0];
        return spec.Btf.TypeById(accessor.TypeId) switch
        {
            BtfEnum e => (ulong)(long)e.Values[accessor.Index].Val,
            BtfEnum64 e => e.Values[accessor.Index].Val,
            _ => null,
        };
    }

    private static (ulong, uint, uint, bool) Fail(CoreReloContext context, FormattableString problem) => Fail<(ulong, uint, uint, bool)>(context, problem);

    private static T Fail<T>(CoreReloContext context, FormattableString problem)
    {
        context.Fail(problem.ToString(CultureInfo.InvariantCulture));
        return default!;
    }
}
