namespace ManagedBpf.Programs;

/// <summary>What auto-attach needs beyond the programs.</summary>
public sealed record AutoAttachOptions
{
    /// <summary>
    /// Finds a function's file offset in a binary for <c>uprobe/&lt;binary&gt;:&lt;function&gt;</c> sections: given the
    /// resolved binary path and the symbol (possibly versioned, <c>malloc@@GLIBC_2.2.5</c>), returns the offset. The
    /// Loader supplies its ELF reader's lookup; without one, such sections fail with an explanation.
    /// </summary>
    public Func<string, string, ulong>? ResolveFunctionOffset { get; init; }

    /// <summary>
    /// Attaches <c>usdt/&lt;binary&gt;:&lt;provider&gt;:&lt;name&gt;</c> sections: given the program, the binary as the
    /// section names it, the provider and the probe name, returns the link. USDT attachment needs the object's
    /// <c>usdt.bpf.h</c> maps and the ELF reader, so the Loader's <c>Collection</c> supplies it; without one, such
    /// sections fail with an explanation.
    /// </summary>
    public Func<Program, string, string, string, Link>? AttachUsdt { get; init; }
}
