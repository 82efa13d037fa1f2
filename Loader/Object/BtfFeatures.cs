using System.Collections.Immutable;
using System.Text;
using ManagedBpf.Kernel;
using ManagedBpf.Kernel.Abi;
using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader;

/// <summary>
/// Which BTF kinds the kernel accepts, found as libbpf finds them: by loading a tiny BTF blob that uses
/// each one (FEAT_BTF_FUNC, FEAT_BTF_GLOBAL_FUNC, FEAT_BTF_DATASEC, FEAT_BTF_FLOAT, FEAT_BTF_DECL_TAG,
/// FEAT_BTF_TYPE_TAG, FEAT_BTF_ENUM64). What is missing is sanitised away before the object's BTF loads.
/// </summary>
/// <param name="Func">FUNC and FUNC_PROTO (4.20+).</param>
/// <param name="GlobalFunc">FUNC with global linkage (5.6+).</param>
/// <param name="Datasec">VAR and DATASEC (5.2+).</param>
/// <param name="Float">FLOAT (5.13+).</param>
/// <param name="DeclTag">DECL_TAG (5.16+).</param>
/// <param name="TypeTag">TYPE_TAG (5.17+).</param>
/// <param name="Enum64">ENUM64 and signed enums (6.0+).</param>
public sealed record BtfFeatures(bool Func, bool GlobalFunc, bool Datasec, bool Float, bool DeclTag, bool TypeTag, bool Enum64)
{
    private static readonly Lazy<BtfFeatures> Kernel = new(Probe);

    /// <summary>Every kind: no sanitising needed.</summary>
    public static BtfFeatures All { get; } = new(true, true, true, true, true, true, true);

    /// <summary>What the running kernel accepts (probed once).</summary>
    public static BtfFeatures Current => Kernel.Value;

    private static BtfFeatures Probe()
    {
        // Strings: 1 "int", 5 "f", 7 "x", 9 ".data", 15 "tag", 19 "e", 21 "v", 23 "float".
        var strings = Encoding.ASCII.GetBytes("\0int\0f\0x\0.data\0tag\0e\0v\0float\0");
        BtfType Int() => new BtfInt(1, 4, BtfIntEncoding.SIGNED, 0, 32);
        BtfType Proto() => new BtfFuncProto(1, []);
        return new BtfFeatures(
            Func: Loads([Int(), Proto(), new BtfFunc(5, 2, BtfFuncLinkage.STATIC)], strings),
            GlobalFunc: Loads([Int(), Proto(), new BtfFunc(5, 2, BtfFuncLinkage.GLOBAL)], strings),
            Datasec: Loads([Int(), new BtfVar(7, 1, BtfVarLinkage.GLOBAL_ALLOCATED), new BtfDatasec(9, 4, [new BtfVarSecinfo(2, 0, 4)])], strings),
            Float: Loads([new BtfFloat(23, 4)], strings),
            DeclTag: Loads([Int(), new BtfVar(7, 1, BtfVarLinkage.GLOBAL_ALLOCATED), new BtfDeclTag(15, 2, -1)], strings),
            TypeTag: Loads([Int(), new BtfTypeTag(15, 1), new BtfPtr(2)], strings),
            Enum64: Loads([new BtfEnum64(19, 8, [new BtfEnum64Value(21, 1UL << 40)])], strings));
    }

    private static unsafe bool Loads(ImmutableArray<BtfType> types, byte[] strings)
    {
        var blob = BtfWriter.Write(types, strings);
        fixed (byte* p = blob)
        {
            var attr = new BtfLoadAttr { btf = (ulong)p, btf_size = (uint)blob.Length };
            var fd = Bpf.Syscall(BpfCommand.BTF_LOAD, ref attr, out var errno);
            if (fd >= 0)
            {
                new SafeFdHandle(fd, ownsHandle: true).Dispose();
                return true;
            }
            return errno == Errno.EPERM ? throw Bpf.Error(BpfCommand.BTF_LOAD, errno, "BTF feature probe") : false;
        }
    }
}
