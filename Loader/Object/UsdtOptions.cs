namespace ManagedBpf.Loader;

/// <summary>How <see cref="Collection.AttachUsdt"/> attaches (libbpf's <c>struct bpf_usdt_opts</c> and the pid argument).</summary>
public sealed record UsdtOptions
{
    /// <summary>Only this process fires the probe; -1 (the default) means every process that maps the binary, 0 this process.</summary>
    public int ProcessId { get; init; } = -1;

    /// <summary>
    /// The value <c>bpf_usdt_cookie()</c> returns in the program, the same at every site. The BPF cookie itself
    /// (<c>bpf_get_attach_cookie()</c>) carries the spec id, as in libbpf, so USDT programs read this one instead.
    /// </summary>
    public ulong Cookie { get; init; }
}
