namespace ManagedBpf.Programs;

/// <summary>
/// Several attachments made as one, such as a perf_event program on a counter of every CPU. Disposing or
/// detaching the group does so to each member; pin or query the members themselves.
/// </summary>
public sealed class LinkGroup : Link
{
    private readonly Link[] _links;

    internal LinkGroup(Link[] links, AttachMechanism mechanism, string description)
        : base(null, mechanism, description) => _links = links;

    /// <summary>The member attachments.</summary>
    public IReadOnlyList<Link> Links => _links;

    /// <summary>Detaches every member.</summary>
    public override void Detach()
    {
        foreach (var link in _links)
            link.Detach();
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            DisposeAll(_links);
        base.Dispose(disposing);
    }

    /// <summary>Disposes attachments newest first, so a failure part-way through leaves no older one behind.</summary>
    internal static void DisposeAll(IReadOnlyList<Link> links)
    {
        for (var i = links.Count - 1; i >= 0; i--)
            links[i].Dispose();
    }
}
