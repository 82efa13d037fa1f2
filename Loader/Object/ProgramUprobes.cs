using ManagedBpf.Loader.Elf;
using ManagedBpf.Programs;

namespace ManagedBpf.Loader;

/// <summary>Attaching uprobes by symbol: the ELF reader lives in the Loader, so this step does too.</summary>
public static class ProgramUprobes
{
    /// <summary>
    /// Attaches a uprobe (or uretprobe) to <paramref name="function"/> in <paramref name="binary"/> (a path,
    /// or a library name such as <c>libc.so.6</c> resolved as libbpf does), plus <paramref name="offset"/> bytes.
    /// </summary>
    /// <exception cref="BpfObjectFormatException">The binary cannot be read as ELF.</exception>
    public static Link AttachUprobe(this Program program, string binary, string function, ulong offset = 0, UprobeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        var path = UprobeBinary.ResolvePath(binary);
        return program.AttachUprobe(path, ElfSymbolOffsets.FindFunctionOffset(path, function) + offset, options);
    }
}
