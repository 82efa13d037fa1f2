using System.Globalization;
using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader.Core;

/// <summary>
/// libbpf's <c>bpf_core_parse_spec</c>: turns a relocation's access string into a spec against the local BTF,
/// validating every step. For <c>struct s { int x; struct { int y; int a[7]; }; }</c>, <c>&amp;s-&gt;a[3]</c> is
/// <c>"0:1:1:3"</c>: element 0 of the root pointer, member 1 (anonymous, so not a high-level step), member 1
/// (<c>a</c>), element 3.
/// </summary>
internal static class CoreSpecParser
{
    public static CoreSpec Parse(CoreReloContext context)
    {
        var relo = context.Relo;
        var btf = context.LocalBtf;
        var spec = new CoreSpec(btf, relo.TypeId, relo.Kind);
        if (string.IsNullOrEmpty(relo.AccessString) || relo.AccessString[0] == ':')
        {
            context.Fail("empty or malformed access string");
        }

        // Type-based relocations name a type, not a field: the access string must be exactly "0".
        if (CoreReloKinds.IsTypeBased(relo.Kind))
        {
            if (relo.AccessString != "0")
            {
                context.Fail("a type-based relocation's access string must be \"0\"");
            }

            return spec;
        }

        var raw = relo.Accessors;
        if (raw.IsDefaultOrEmpty)
        {
            context.Fail("access string has no accessors");
        }

        if (raw.Length > CoreSpec.MaxLength)
        {
            context.Fail(Invariant($"access string has {raw.Length} accessors, more than {CoreSpec.MaxLength}"));
        }

        foreach (var index in raw)
        {
            if (index < 0)
            {
                context.Fail(Invariant($"negative accessor {index}"));
            }

            spec.Raw.Add(index);
        }

        var id = btf.SkipModifiers(relo.TypeId);
        if (CoreReloKinds.IsEnumValBased(relo.Kind))
        {
            ParseEnumerator(context, spec, id, raw[0]);
            return spec;
        }

        if (!CoreReloKinds.IsFieldBased(relo.Kind))
        {
            context.Fail(Invariant($"unknown relocation kind {(uint)relo.Kind}"));
        }

        spec.Accessors.Add(new CoreAccessor(id, raw[0], null));
        spec.AddBits(context, CoreSpec.ElementBits(raw[0], SizeOf(context, btf, id)));
        for (var i = 1; i < raw.Length; i++)
        {
            id = btf.SkipModifiers(id);
            var index = raw[i];
            switch (btf.TypeById(id))
            {
                case BtfComposite composite:
                    if (index >= composite.Members.Length)
                    {
                        context.Fail(Invariant($"accessor #{i} is member {index} of {CoreReloKinds.DescribeType(btf, id)}, which has {composite.Members.Length}"));
                    }

                    var member = composite.Members[index];
                    spec.AddBits(context, member.BitOffset);
                    if (member.NameOff != 0)
                    {
                        var name = btf.GetString(member.NameOff);
                        if (name.Length == 0)
                        {
                            context.Fail(Invariant($"member {index} of {CoreReloKinds.DescribeType(btf, id)} has a name offset but an empty name"));
                        }

                        spec.Accessors.Add(new CoreAccessor(id, index, name));
                    }

                    id = member.TypeId;
                    break;

                case BtfArray array:
                    var elementId = btf.SkipModifiers(array.TypeId);
                    if (!IsFlexibleArray(btf, spec.Accessors[^1], array) && (uint)index >= array.Nelems)
                    {
                        context.Fail(Invariant($"accessor #{i} is element {index} of an array of {array.Nelems}"));
                    }

                    spec.Accessors.Add(new CoreAccessor(elementId, index, null));
                    spec.AddBits(context, CoreSpec.ElementBits(index, SizeOf(context, btf, elementId)));
                    id = elementId;
                    break;

                default:
                    context.Fail(Invariant($"accessor #{i} steps into {CoreReloKinds.DescribeType(btf, id)}, which is neither a struct, a union nor an array"));
                    break;
            }
        }

        return spec;
    }

    /// <summary>
    /// libbpf's <c>is_flex_arr</c>: a zero-length array that is the last member of the struct named by the previous
    /// accessor (<c>char data[]</c>) may be indexed past its declared length.
    /// </summary>
    public static bool IsFlexibleArray(BtfSpec btf, CoreAccessor previous, BtfArray array) =>
        previous.Name is not null && array.Nelems == 0
        && btf.TypeById(previous.TypeId) is BtfComposite composite && previous.Index == composite.Members.Length - 1;

    /// <summary>libbpf's <c>btf__resolve_size</c>, failing the relocation when the type has none.</summary>
    public static uint SizeOf(CoreReloContext context, BtfSpec btf, uint typeId)
    {
        if (!btf.TryGetSize(typeId, out var size))
        {
            context.Fail(Invariant($"{CoreReloKinds.DescribeType(btf, typeId)} has no size"));
        }

        return size;
    }

    private static void ParseEnumerator(CoreReloContext context, CoreSpec spec, uint id, int index)
    {
        var btf = spec.Btf;
        if (spec.Raw.Count > 1)
        {
            context.Fail("an enum-value relocation's access string must be one enumerator index");
        }

        var names = CoreReloKinds.EnumeratorNameOffsets(btf.TypeById(id), out _);
        if (names is null)
        {
            context.Fail(Invariant($"{CoreReloKinds.DescribeType(btf, id)} is not an enum"));
        }

        if (index >= names.Length)
        {
            context.Fail(Invariant($"enumerator {index} is out of range for {CoreReloKinds.DescribeType(btf, id)}, which has {names.Length}"));
        }

        spec.Accessors.Add(new CoreAccessor(id, index, btf.GetString(names[index])));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
