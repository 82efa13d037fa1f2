namespace ManagedBpf.Programs;

/// <summary>How <see cref="Program.AttachKprobe"/> attaches.</summary>
public sealed record KprobeOptions
{
    /// <summary>Bytes into the function (kprobes only; a kretprobe needs 0).</summary>
    public ulong Offset { get; init; }

    /// <summary>Fire on return (kretprobe) instead of entry.</summary>
    public bool Retprobe { get; init; }

    /// <summary>The value <c>bpf_get_attach_cookie()</c> returns in the program; needs a perf link (5.15+).</summary>
    public ulong Cookie { get; init; }
}
