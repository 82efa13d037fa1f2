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
}
