namespace ManagedBpf.Programs;

/// <summary>The outcome of <see cref="AutoAttach.AttachAll"/>: one result per program. Disposing it disposes every link it made.</summary>
public sealed class AutoAttachment : IDisposable
{
    internal AutoAttachment(IReadOnlyList<AutoAttachResult> results) => Results = results;

    /// <summary>One result per program, in the order given.</summary>
    public IReadOnlyList<AutoAttachResult> Results { get; }

    /// <summary>The links made, in the order made.</summary>
    public IReadOnlyList<Link> Links => [.. Results.Select(r => r.Link).OfType<Link>()];

    /// <summary>The programs skipped, with the reason.</summary>
    public IReadOnlyList<AutoAttachResult> Skipped => [.. Results.Where(r => !r.Attached)];

    /// <summary>Disposes every link, newest first.</summary>
    public void Dispose() => LinkGroup.DisposeAll(Links);
}
