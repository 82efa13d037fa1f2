namespace ManagedBpf.Programs;

/// <summary>
/// A program attached to a USDT probe: one uprobe at each site of <c>provider:name</c> in a binary (a probe inlined
/// in several places has several), each carrying the id of its argument specification, plus the specifications the
/// object's <c>usdt.bpf.h</c> maps hold for it. Disposing detaches every uprobe, then gives the spec ids (and, without
/// BPF cookies, the instruction-pointer entries) back to the object, as libbpf's <c>bpf_link_usdt_detach</c> does.
/// </summary>
public sealed class UsdtLink : Link
{
    private readonly PerfEventLink[] _uprobes;
    private Action? _release;

    internal UsdtLink(PerfEventLink[] uprobes, IReadOnlyList<int> specIds, AttachMechanism mechanism, string description, Action release)
        : base(null, mechanism, description)
    {
        _uprobes = uprobes;
        SpecIds = specIds;
        _release = release;
    }

    /// <summary>The uprobes, one per probe site, in note order.</summary>
    public IReadOnlyList<PerfEventLink> Uprobes => _uprobes;

    /// <summary>The keys of <c>__bpf_usdt_specs</c> this attachment uses, one per distinct argument specification.</summary>
    public IReadOnlyList<int> SpecIds { get; }

    /// <summary>Detaches every uprobe (see <see cref="Link.Detach"/>: perf links end only when disposed).</summary>
    public override void Detach()
    {
        foreach (var uprobe in _uprobes)
            uprobe.Detach();
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            LinkGroup.DisposeAll(_uprobes);
            Interlocked.Exchange(ref _release, null)?.Invoke();
        }

        base.Dispose(disposing);
    }
}
