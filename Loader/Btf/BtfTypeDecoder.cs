using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace ManagedBpf.Loader.Btf;

/// <summary>Decodes one validated type record of a type section into its <see cref="BtfType"/>.</summary>
internal static class BtfTypeDecoder
{
    public static BtfType Decode(BinaryBlock types, int offset)
    {
        var at = (ulong)offset;
        var nameOff = types.U32(at);
        var info = types.U32(at + 4);
        var sizeOrType = types.U32(at + 8);
        var kind = BtfLayout.Kind(info);
        var vlen = BtfLayout.Vlen(info);
        var kflag = BtfLayout.KindFlag(info);
        var data = at + BtfLayout.TypeSize;

        switch (kind)
        {
            case BtfKind.INT:
                var intData = types.U32(data);
                return new BtfInt(nameOff, sizeOrType, (BtfIntEncoding)((intData >> 24) & 0x0f), (byte)(intData >> 16), (byte)intData, kflag);
            case BtfKind.PTR:
                return new BtfPtr(sizeOrType, nameOff, kflag);
            case BtfKind.ARRAY:
                return new BtfArray(types.U32(data), types.U32(data + 4), types.U32(data + 8), nameOff, kflag);
            case BtfKind.STRUCT:
                return new BtfStruct(nameOff, sizeOrType, Members(types, data, vlen, kflag), kflag);
            case BtfKind.UNION:
                return new BtfUnion(nameOff, sizeOrType, Members(types, data, vlen, kflag), kflag);
            case BtfKind.ENUM:
                var values = new BtfEnumValue[vlen];
                for (var i = 0; i < values.Length; i++)
                {
                    var e = data + ((ulong)i * BtfLayout.EnumSize);
                    values[i] = new BtfEnumValue(types.U32(e), types.I32(e + 4));
                }

                return new BtfEnum(nameOff, sizeOrType, ImmutableCollectionsMarshal.AsImmutableArray(values), kflag);
            case BtfKind.ENUM64:
                var values64 = new BtfEnum64Value[vlen];
                for (var i = 0; i < values64.Length; i++)
                {
                    var e = data + ((ulong)i * BtfLayout.Enum64Size);
                    values64[i] = new BtfEnum64Value(types.U32(e), types.U32(e + 4) | ((ulong)types.U32(e + 8) << 32));
                }

                return new BtfEnum64(nameOff, sizeOrType, ImmutableCollectionsMarshal.AsImmutableArray(values64), kflag);
            case BtfKind.FWD:
                return new BtfFwd(nameOff, kflag);
            case BtfKind.TYPEDEF:
                return new BtfTypedef(nameOff, sizeOrType, kflag);
            case BtfKind.VOLATILE:
                return new BtfVolatile(sizeOrType, nameOff, kflag);
            case BtfKind.CONST:
                return new BtfConst(sizeOrType, nameOff, kflag);
            case BtfKind.RESTRICT:
                return new BtfRestrict(sizeOrType, nameOff, kflag);
            case BtfKind.FUNC:
                return new BtfFunc(nameOff, sizeOrType, (BtfFuncLinkage)vlen, kflag);
            case BtfKind.FUNC_PROTO:
                var parameters = new BtfParam[vlen];
                for (var i = 0; i < parameters.Length; i++)
                {
                    var p = data + ((ulong)i * BtfLayout.ParamSize);
                    parameters[i] = new BtfParam(types.U32(p), types.U32(p + 4));
                }

                return new BtfFuncProto(sizeOrType, ImmutableCollectionsMarshal.AsImmutableArray(parameters), nameOff, kflag);
            case BtfKind.VAR:
                return new BtfVar(nameOff, sizeOrType, (BtfVarLinkage)types.U32(data), kflag);
            case BtfKind.DATASEC:
                var vars = new BtfVarSecinfo[vlen];
                for (var i = 0; i < vars.Length; i++)
                {
                    var v = data + ((ulong)i * BtfLayout.VarSecinfoSize);
                    vars[i] = new BtfVarSecinfo(types.U32(v), types.U32(v + 4), types.U32(v + 8));
                }

                return new BtfDatasec(nameOff, sizeOrType, ImmutableCollectionsMarshal.AsImmutableArray(vars), kflag);
            case BtfKind.FLOAT:
                return new BtfFloat(nameOff, sizeOrType, kflag);
            case BtfKind.DECL_TAG:
                return new BtfDeclTag(nameOff, sizeOrType, types.I32(data), kflag);
            case BtfKind.TYPE_TAG:
                return new BtfTypeTag(nameOff, sizeOrType, kflag);
            default:
                // Unreachable for a validated section: the scan rejects unknown kinds.
                types.Fail($"unknown BTF kind {(int)kind}", at + 4);
                return null;
        }
    }

    private static ImmutableArray<BtfMember> Members(BinaryBlock types, ulong data, ushort vlen, bool kflag)
    {
        var members = new BtfMember[vlen];
        for (var i = 0; i < members.Length; i++)
        {
            var m = data + ((ulong)i * BtfLayout.MemberSize);
            var offset = types.U32(m + 8);
            members[i] = kflag
                ? new BtfMember(types.U32(m), types.U32(m + 4), offset & 0xffffff, (byte)(offset >> 24))
                : new BtfMember(types.U32(m), types.U32(m + 4), offset);
        }

        return ImmutableCollectionsMarshal.AsImmutableArray(members);
    }
}
