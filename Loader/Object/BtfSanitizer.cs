using System.Collections.Immutable;
using System.Text;
using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader;

/// <summary>
/// Rewrites the BTF kinds a kernel does not know into ones it does, in place so that every type id
/// stays valid, as libbpf's bpf_object__sanitize_btf: VAR → INT, DATASEC → STRUCT (dots in the name
/// become underscores), FUNC_PROTO → ENUM and FUNC → TYPEDEF without FUNC support, global FUNC → static,
/// FLOAT → an empty STRUCT of the same size, TYPE_TAG → CONST, DECL_TAG → INT, ENUM64 → a UNION of a
/// placeholder INT (appended), and signed enums lose their sign flag.
/// </summary>
internal static class BtfSanitizer
{
    internal static (List<BtfType> Types, byte[] Strings) Sanitize(IReadOnlyList<BtfType> source, ReadOnlySpan<byte> sourceStrings, BtfFeatures features, Func<uint, string> name)
    {
        var types = source.ToList();
        var strings = new List<byte>(sourceStrings.ToArray());
        uint AddString(string s)
        {
            var offset = (uint)strings.Count;
            strings.AddRange(Encoding.UTF8.GetBytes(s));
            strings.Add(0);
            return offset;
        }
        uint? enum64Placeholder = null;
        uint Placeholder()
        {
            if (enum64Placeholder is null)
            {
                types.Add(new BtfInt(AddString("enum64_placeholder"), 8, 0, 0, 64));
                enum64Placeholder = (uint)types.Count; // ids start at 1 for the first own type
            }
            return enum64Placeholder.Value;
        }

        for (var i = 0; i < source.Count; i++)
        {
            types[i] = types[i] switch
            {
                BtfVar when !features.Datasec => new BtfInt(0, 1, 0, 0, 8),
                BtfDatasec d when !features.Datasec => new BtfStruct(
                    AddString(name(d.NameOff).Replace('.', '_')),
                    d.Size,
                    [.. d.Vars.Select(v => new BtfMember(source[(int)v.TypeId - 1].NameOff, v.TypeId, v.Offset * 8))]),
                BtfFuncProto p when !features.Func => new BtfEnum(0, 4, [.. p.Params.Select(x => new BtfEnumValue(x.NameOff, (int)x.TypeId))]),
                BtfFunc f when !features.Func => new BtfTypedef(f.NameOff, f.TypeId),
                BtfFunc { Linkage: BtfFuncLinkage.GLOBAL } f when !features.GlobalFunc => new BtfFunc(f.NameOff, f.TypeId, BtfFuncLinkage.STATIC),
                BtfFloat f when !features.Float => new BtfStruct(0, f.Size, []),
                BtfTypeTag t when !features.TypeTag => new BtfConst(t.TypeId),
                BtfDeclTag when !features.DeclTag => new BtfInt(0, 1, 0, 0, 8),
                BtfEnum { IsSigned: true } e when !features.Enum64 => new BtfEnum(e.NameOff, e.Size, e.Values),
                BtfEnum64 e when !features.Enum64 => new BtfUnion(e.NameOff, e.Size, [.. e.Values.Select(v => new BtfMember(v.NameOff, Placeholder(), 0))]),
                var unchanged => unchanged,
            };
        }
        return (types, [.. strings]);
    }
}
