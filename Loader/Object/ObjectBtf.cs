using System.Collections.Immutable;
using ManagedBpf.Kernel;
using ManagedBpf.Kernel.Abi;
using ManagedBpf.Loader.Btf;
using ManagedBpf.Loader.Elf;

namespace ManagedBpf.Loader;

/// <summary>
/// Loads an object's BTF into the kernel (BPF_BTF_LOAD) after libbpf's fix-ups: each DATASEC of a data
/// section gets the section's size and its variables' symbol offsets (clang may leave zeros), extern
/// variables, which the kernel refuses, become ordinary globals, and global functions of hidden or
/// internal visibility become static, so the verifier checks them in their callers' context.
/// </summary>
internal static class ObjectBtf
{
    /// <summary>The fixed-up BTF blob, sanitised for a kernel with <paramref name="features"/>.</summary>
    internal static byte[] Prepare(ObjectSpec obj, BtfFeatures features)
    {
        var btf = obj.Btf ?? throw new InvalidOperationException("The object has no BTF.");
        var symbols = obj.Elf.SymbolTable!;
        var types = btf.OwnTypes.ToList();
        var strings = new List<byte>(btf.Strings.ToArray());
        var ksyms = new KsymsFixup(btf, types, strings);
        for (var i = 0; i < types.Count; i++)
        {
            switch (types[i])
            {
                case BtfFunc { Linkage: BtfFuncLinkage.EXTERN } func:
                    types[i] = ksyms.Kfunc(func);
                    break;
                case BtfDatasec datasec when btf.GetString(datasec.NameOff) == ".ksyms":
                    types[i] = ksyms.Rewrite(datasec);
                    break;
                case BtfFunc { Linkage: BtfFuncLinkage.GLOBAL } func when IsHidden(symbols, btf.GetString(func.NameOff)):
                    types[i] = new BtfFunc(func.NameOff, func.TypeId, BtfFuncLinkage.STATIC, func.KindFlag);
                    break;
                case BtfVar { Linkage: BtfVarLinkage.GLOBAL_EXTERN } var:
                    types[i] = new BtfVar(var.NameOff, var.TypeId, BtfVarLinkage.GLOBAL_ALLOCATED);
                    break;
                case BtfDatasec datasec when btf.GetString(datasec.NameOff) == ".kconfig":
                    types[i] = KconfigDatasec(btf, datasec, obj.KconfigExterns);
                    break;
                case BtfDatasec datasec:
                    types[i] = FixDatasec(btf, obj.Elf, symbols, datasec);
                    break;
            }
        }
        if (features == BtfFeatures.All)
            return BtfWriter.Write(types, strings.ToArray(), btf.Header.Flags);
        var (sanitized, sanitizedStrings) = BtfSanitizer.Sanitize(types, strings.ToArray(), features, btf.GetString);
        return BtfWriter.Write(sanitized, sanitizedStrings, btf.Header.Flags);
    }

    /// <summary>
    /// The <c>.ksyms</c> DATASEC as libbpf leaves it: the kernel resolves ksyms by its own BTF, so each
    /// variable entry becomes a 4-byte int variable and each function entry a dummy int variable, laid
    /// out one after another (clang emits the section with size 0, which the kernel refuses).
    /// </summary>
    private sealed class KsymsFixup(BtfSpec btf, List<BtfType> types, List<byte> strings)
    {
        private uint _int;
        private uint _dummy;
        private uint _dummyName;

        /// <summary>A kfunc declaration: the kernel refuses extern linkage and unnamed parameters of a global FUNC (libbpf fixes both).</summary>
        internal BtfFunc Kfunc(BtfFunc func)
        {
            if (btf.TypeById(func.TypeId) is BtfFuncProto proto && proto.Params.Any(p => p.NameOff == 0 && p.TypeId != 0))
            {
                var named = proto.Params.Select(p => p.NameOff == 0 && p.TypeId != 0 ? p with { NameOff = DummyName() } : p).ToImmutableArray();
                types[(int)(func.TypeId - btf.FirstTypeId)] = new BtfFuncProto(proto.ReturnTypeId, named, proto.NameOff, proto.KindFlag);
            }
            return new BtfFunc(func.NameOff, func.TypeId, BtfFuncLinkage.GLOBAL, func.KindFlag);
        }

        private uint DummyName()
        {
            if (_dummyName == 0)
            {
                _dummyName = (uint)strings.Count;
                strings.AddRange("dummy_ksym\0"u8);
            }
            return _dummyName;
        }

        internal BtfDatasec Rewrite(BtfDatasec datasec)
        {
            var vars = ImmutableArray.CreateBuilder<BtfVarSecinfo>();
            uint offset = 0;
            foreach (var v in datasec.Vars)
            {
                var id = v.TypeId;
                if (btf.TypeById(id) is BtfVar var)
                    types[(int)(id - btf.FirstTypeId)] = new BtfVar(var.NameOff, Int(), BtfVarLinkage.GLOBAL_ALLOCATED);
                else
                    id = Dummy();
                vars.Add(new BtfVarSecinfo(id, offset, 4));
                offset += 4;
            }
            return new BtfDatasec(datasec.NameOff, offset, vars.ToImmutable(), datasec.KindFlag);
        }

        /// <summary>An existing 4-byte int type, or a new one.</summary>
        private uint Int()
        {
            if (_int != 0)
                return _int;
            for (var i = 0; i < types.Count; i++)
            {
                if (types[i] is BtfInt { Size: 4, Bits: 32 })
                    return _int = (uint)i + btf.FirstTypeId;
            }
            types.Add(new BtfInt(0, 4, BtfIntEncoding.SIGNED, 0, 32));
            return _int = (uint)types.Count - 1 + btf.FirstTypeId;
        }

        private uint Dummy()
        {
            if (_dummy != 0)
                return _dummy;
            var type = Int();
            types.Add(new BtfVar(DummyName(), type, BtfVarLinkage.GLOBAL_ALLOCATED));
            return _dummy = (uint)types.Count - 1 + btf.FirstTypeId;
        }
    }

    /// <summary>libbpf's mark_btf_static: a global or weak function that is STV_HIDDEN or STV_INTERNAL.</summary>
    private static bool IsHidden(ElfSymbolTable symbols, string name) =>
        symbols.TryFind(name, out var symbol)
        && symbol.Type == ElfSymbolType.FUNC
        && symbol.Binding is ElfSymbolBinding.GLOBAL or ElfSymbolBinding.WEAK
        && symbol.Visibility is ElfSymbolVisibility.HIDDEN or ElfSymbolVisibility.INTERNAL;

    /// <summary>BPF_BTF_LOAD, retried with a log to explain a refusal.</summary>
    internal static unsafe SafeFdHandle Load(ReadOnlySpan<byte> blob, string objectName)
    {
        fixed (byte* p = blob)
        {
            var attr = new BtfLoadAttr { btf = (ulong)p, btf_size = (uint)blob.Length };
            var fd = Bpf.Syscall(BpfCommand.BTF_LOAD, ref attr, out var errno);
            if (fd >= 0)
                return new SafeFdHandle(fd, ownsHandle: true);
            var log = new byte[1 << 20];
            fixed (byte* l = log)
            {
                (attr.btf_log_buf, attr.btf_log_size, attr.btf_log_level) = ((ulong)l, (uint)log.Length, 1);
                fd = Bpf.Syscall(BpfCommand.BTF_LOAD, ref attr, out errno);
                if (fd >= 0)
                    return new SafeFdHandle(fd, ownsHandle: true);
            }
            var end = Array.IndexOf(log, (byte)0);
            var text = VerifierTail(System.Text.Encoding.UTF8.GetString(log, 0, end < 0 ? log.Length : end));
            throw Bpf.Error(BpfCommand.BTF_LOAD, errno, $"BTF of object '{objectName}'", $"The kernel refused the object's BTF: {text}");
        }
    }

    private static string VerifierTail(string log)
    {
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join(" | ", lines.Skip(Math.Max(0, lines.Length - 6)));
    }

    /// <summary>The kconfig DATASEC with the offsets <see cref="KconfigLayout"/> chose.</summary>
    private static BtfDatasec KconfigDatasec(BtfSpec btf, BtfDatasec datasec, IReadOnlyList<KconfigExtern> externs)
    {
        var vars = datasec.Vars.Select(v => v with { Offset = externs.First(e => e.Name == btf.NameOf(v.TypeId)).Offset })
            .OrderBy(v => v.Offset).ToImmutableArray();
        return new BtfDatasec(datasec.NameOff, KconfigLayout.Size(externs), vars, datasec.KindFlag);
    }

    private static BtfDatasec FixDatasec(BtfSpec btf, ElfFile elf, ElfSymbolTable symbols, BtfDatasec datasec)
    {
        var name = btf.GetString(datasec.NameOff);
        var section = elf.FindSection(name);
        if (section is null)
            return datasec; // .kconfig, .ksyms: no ELF section; their layout is the DATASEC's own
        return new BtfDatasec(datasec.NameOff, (uint)section.Size, DatasecLayout.Place(btf, symbols, section, datasec), datasec.KindFlag);
    }
}
