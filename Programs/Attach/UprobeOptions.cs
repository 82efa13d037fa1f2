namespace ManagedBpf.Programs;

/// <summary>How <see cref="Program.AttachUprobe"/> attaches.</summary>
public sealed record UprobeOptions
{
    /// <summary>Fire on return (uretprobe) instead of entry.</summary>
    public bool Retprobe { get; init; }

    /// <summary>Only this process fires the probe; -1 (the default) means every process that maps the binary.</summary>
    public int ProcessId { get; init; } = -1;

    /// <summary>The file offset of a USDT semaphore the kernel increments while the probe is attached, or 0.</summary>
    public ulong RefCounterOffset { get; init; }

    /// <summary>The value <c>bpf_get_attach_cookie()</c> returns in the program; needs a perf link (5.15+).</summary>
    public ulong Cookie { get; init; }
}
