using System.Buffers.Binary;
using System.Text;
using ManagedBpf.Kernel;
using ManagedBpf.Kernel.Abi;

namespace ManagedBpf.Buffers.Tests.Support;

/// <summary>
/// The smallest BTF a program with a callback needs: the verifier accepts a BPF_PSEUDO_FUNC only when func_info
/// names every sub-program and the callback's linkage is static. Each function is <c>long f(void *, ...)</c>.
/// </summary>
internal sealed class FuncBtf : IDisposable
{
    private const int KindInt = 1, KindPtr = 2, KindFunc = 12, KindFuncProto = 13;

    private FuncBtf(SafeFdHandle handle, byte[] funcInfo)
    {
        Handle = handle;
        FuncInfo = funcInfo;
    }

    /// <summary>The loaded BTF object.</summary>
    public SafeFdHandle Handle { get; }

    /// <summary><c>struct bpf_func_info { u32 insn_off; u32 type_id; }</c> records, 8 bytes each.</summary>
    public byte[] FuncInfo { get; }

    /// <summary>Builds and loads BTF for functions starting at the given instruction offsets.</summary>
    public static unsafe FuncBtf Load(params (string Name, int InstructionOffset, bool IsStatic, int Parameters)[] functions)
    {
        var strings = new MemoryStream();
        strings.WriteByte(0);
        int Str(string s)
        {
            var at = (int)strings.Length;
            strings.Write(Encoding.ASCII.GetBytes(s));
            strings.WriteByte(0);
            return at;
        }

        var types = new List<uint>();
        void Type(int nameOff, int kind, int vlen, uint sizeOrType) =>
            types.AddRange([(uint)nameOff, (uint)((kind << 24) | vlen), sizeOrType]);

        Type(Str("long"), KindInt, 0, 8);          // [1] long
        types.Add((1u << 24) | 64);                //     BTF_INT_SIGNED, 64 bits
        Type(0, KindPtr, 0, 0);                    // [2] void *
        var nextId = 3u;
        var funcInfo = new byte[functions.Length * 8];
        for (var i = 0; i < functions.Length; i++)
        {
            var (name, offset, isStatic, parameters) = functions[i];
            var proto = nextId++;
            Type(0, KindFuncProto, parameters, 1);
            for (var p = 0; p < parameters; p++)
                types.AddRange([(uint)Str("a" + p), 2u]);
            var func = nextId++;
            Type(Str(name), KindFunc, isStatic ? 0 : 1, proto);
            BinaryPrimitives.WriteUInt32LittleEndian(funcInfo.AsSpan(i * 8), (uint)offset);
            BinaryPrimitives.WriteUInt32LittleEndian(funcInfo.AsSpan(i * 8 + 4), func);
        }

        var typeBytes = new byte[types.Count * 4];
        for (var i = 0; i < types.Count; i++)
            BinaryPrimitives.WriteUInt32LittleEndian(typeBytes.AsSpan(i * 4), types[i]);
        var stringBytes = strings.ToArray();
        var blob = new byte[24 + typeBytes.Length + stringBytes.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(blob, 0xeB9F);
        blob[2] = 1; // version
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(4), 24);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(8), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(12), (uint)typeBytes.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(16), (uint)typeBytes.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(20), (uint)stringBytes.Length);
        typeBytes.CopyTo(blob, 24);
        stringBytes.CopyTo(blob, 24 + typeBytes.Length);

        var log = new byte[64 * 1024];
        fixed (byte* p = blob)
        fixed (byte* l = log)
        {
            var attr = new BtfLoadAttr { btf = (ulong)p, btf_size = (uint)blob.Length, btf_log_buf = (ulong)l, btf_log_size = (uint)log.Length, btf_log_level = 1 };
            var fd = Bpf.Syscall(BpfCommand.BTF_LOAD, ref attr, out var errno);
            if (fd < 0)
                throw Bpf.Error(BpfCommand.BTF_LOAD, errno, "test BTF", Encoding.ASCII.GetString(log).TrimEnd('\0'));
            return new FuncBtf(new SafeFdHandle(fd, ownsHandle: true), funcInfo);
        }
    }

    public void Dispose() => Handle.Dispose();
}
