namespace ManagedBpf.Programs;

/// <summary>What auto-attach did with one program: the link it made, or why it made none.</summary>
/// <param name="Program">The program.</param>
/// <param name="Link">The attachment, or null when skipped.</param>
/// <param name="SkipReason">Why the program was not attached (its section names no target, or it attaches to something only the caller knows), or null.</param>
public sealed record AutoAttachResult(Program Program, Link? Link, string? SkipReason)
{
    /// <summary>Whether a link was made.</summary>
    public bool Attached => Link is not null;
}
