using System.Buffers.Binary;
using System.Globalization;
using ManagedBpf.Kernel;
using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader;

/// <summary>
/// Fills the kconfig map the way libbpf does: <c>LINUX_KERNEL_VERSION</c> and the <c>LINUX_HAS_*</c>
/// facts from the running kernel, <c>CONFIG_*</c> from its configuration; bools read y/m as true, a
/// <c>enum libbpf_tristate</c> reads n/y/m as 0/1/2, char arrays take strings, integers take numbers.
/// A missing weak extern stays 0; a missing strong one is an error.
/// </summary>
internal static class KconfigValues
{
    /// <summary>
    /// Whether BPF cookies work here (<c>bpf_get_attach_cookie</c> with perf links, 5.15): what <c>LINUX_HAS_BPF_COOKIE</c>
    /// tells a program, and so what USDT attachment must provide (a cookie, or an instruction-pointer map entry).
    /// </summary>
    internal static bool KernelHasBpfCookie => KernelInfo.Release >= new Version(5, 15);

    internal static byte[] Fill(BtfSpec btf, IReadOnlyList<KconfigExtern> externs, uint size, KernelConfig? config, bool bpfCookie)
    {
        var data = new byte[size];
        foreach (var e in externs)
        {
            var slot = data.AsSpan((int)e.Offset, (int)e.Size);
            var value = e.Name switch
            {
                "LINUX_KERNEL_VERSION" => KernelInfo.LinuxVersionCode.ToString(CultureInfo.InvariantCulture),
                "LINUX_HAS_BPF_COOKIE" => bpfCookie ? "y" : "n",
                "LINUX_HAS_SYSCALL_WRAPPER" => "y",
                _ when e.Name.StartsWith("CONFIG_", StringComparison.Ordinal) => config?[e.Name],
                _ => throw new BpfObjectFormatException($"Unsupported kconfig extern '{e.Name}'.", ".kconfig", null),
            };
            if (value is null)
            {
                if (e.Weak)
                    continue;
                throw new BpfObjectFormatException($"kconfig extern '{e.Name}' is not set in this kernel's configuration, and it is not __weak: declare it __weak to load with 0.", ".kconfig", null);
            }
            Write(btf, e, value, slot);
        }
        return data;
    }

    private static void Write(BtfSpec btf, KconfigExtern e, string value, Span<byte> slot)
    {
        var type = btf.TypeById(btf.SkipModifiers(e.TypeId));
        switch (type)
        {
            case BtfInt { Encoding: BtfIntEncoding.BOOL }:
                slot[0] = value is "y" or "m" ? (byte)1 : (byte)0;
                return;
            case BtfEnum when btf.NameOf(btf.SkipModifiers(e.TypeId)) == "libbpf_tristate":
                WriteInteger(slot, value switch { "y" => 1, "m" => 2, _ => 0 });
                return;
            case BtfArray:
                var bytes = System.Text.Encoding.UTF8.GetBytes(value);
                bytes.AsSpan(0, Math.Min(bytes.Length, slot.Length - 1)).CopyTo(slot);
                return;
            case BtfInt or BtfEnum:
                if (value is "y" or "m" or "n")
                    throw new BpfObjectFormatException($"kconfig extern '{e.Name}' is an integer, but the kernel sets it to '{value}' (declare it bool or enum libbpf_tristate).", ".kconfig", null);
                var parsed = value.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                    ? long.TryParse(value.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hex) ? hex : (long?)null
                    : long.TryParse(value, CultureInfo.InvariantCulture, out var dec) ? dec : null;
                WriteInteger(slot, parsed ?? throw new BpfObjectFormatException($"kconfig extern '{e.Name}' is an integer, but the kernel sets it to '{value}' (declare it a char array).", ".kconfig", null));
                return;
            default:
                throw new BpfObjectFormatException($"kconfig extern '{e.Name}' has a type ({type.Kind}) that cannot hold a kernel option.", ".kconfig", null);
        }
    }

    private static void WriteInteger(Span<byte> slot, long value)
    {
        Span<byte> all = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(all, value);
        all[..Math.Min(8, slot.Length)].CopyTo(slot);
    }
}
