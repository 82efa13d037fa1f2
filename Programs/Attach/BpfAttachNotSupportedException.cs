namespace ManagedBpf.Programs;

/// <summary>
/// The running kernel lacks what an attach kind needs (a kprobe PMU, BPF trampolines, tcx…). The message
/// says "not supported by this kernel" and names what is missing, so it reads the same wherever it surfaces.
/// </summary>
public sealed class BpfAttachNotSupportedException : NotSupportedException
{
    /// <summary>Creates the exception for <paramref name="kind"/>, naming what is <paramref name="missing"/>.</summary>
    /// <param name="kind">The attach kind.</param>
    /// <param name="missing">What the kernel lacks.</param>
    /// <param name="inner">The kernel's own refusal, when there was one (a program load answered EPERM).</param>
    public BpfAttachNotSupportedException(AttachKind kind, string missing, Exception? inner = null)
        : base($"{kind} attachment is not supported by this kernel: {missing}", inner)
    {
        Kind = kind;
        Missing = missing;
    }

    /// <summary>The attach kind that cannot work here.</summary>
    public AttachKind Kind { get; }

    /// <summary>What the kernel lacks, in words.</summary>
    public string Missing { get; }
}
