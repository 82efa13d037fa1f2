using ManagedBpf.Kernel;

namespace ManagedBpf.Programs;

/// <summary>What loading a program needs besides its <see cref="ProgramSpec"/>.</summary>
public sealed class ProgramLoadOptions
{
    /// <summary>The loaded BTF object that func_info and line_info refer to; without it they are not passed.</summary>
    public SafeFdHandle? Btf { get; init; }

    /// <summary>
    /// Verifier log level for a successful load (0: none). A failed load is always retried with level 1
    /// to capture the log for the exception.
    /// </summary>
    public uint LogLevel { get; init; }

    /// <summary>The first log buffer size; it grows ×4 while the kernel says ENOSPC, up to <see cref="MaxLogSize"/>.</summary>
    public int InitialLogSize { get; init; } = 64 * 1024;

    /// <summary>The largest log buffer tried (the kernel accepts up to UINT_MAX >> 2).</summary>
    public int MaxLogSize { get; init; } = 64 * 1024 * 1024;
}
