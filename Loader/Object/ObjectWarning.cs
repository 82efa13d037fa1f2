namespace ManagedBpf.Loader;

/// <summary>What an <see cref="ObjectWarning"/> is about.</summary>
public enum ObjectWarningKind
{
    /// <summary>
    /// A program passes <c>bpf_perf_event_output</c> (or <c>bpf_skb_output</c>, <c>bpf_xdp_output</c>) a
    /// constant size above <see cref="ObjectWarning.LargestPerfSampleSize"/>: the kernel truncates the
    /// sample's 16-bit <c>header.size</c> and writes the payload over the records that follow it in the ring.
    /// </summary>
    PerfSampleTooLarge,
}

/// <summary>
/// A fault in an object that its bytes prove, found without the kernel when the object is parsed: the
/// object loads, but will misbehave when it runs. See <see cref="ObjectProgram.Warnings"/>,
/// <see cref="ObjectSpec.Warnings"/> and <see cref="CollectionOptions.OnWarning"/>.
/// </summary>
public sealed class ObjectWarning
{
    /// <summary>
    /// The largest payload a perf sample can carry (<c>PERF_SAMPLE_RAW</c> only): <c>header.size</c> is a u16
    /// holding the 8-byte header, the 4-byte raw size and the payload padded to 8 bytes, so 65,528 - 12.
    /// </summary>
    public const int LargestPerfSampleSize = 65_516;

    internal ObjectWarning(ObjectWarningKind kind, string program, string sectionName, int instruction, string message)
    {
        Kind = kind;
        Program = program;
        SectionName = sectionName;
        Instruction = instruction;
        Message = message;
    }

    /// <summary>What the warning is about.</summary>
    public ObjectWarningKind Kind { get; }

    /// <summary>The program's name.</summary>
    public string Program { get; }

    /// <summary>The program's section.</summary>
    public string SectionName { get; }

    /// <summary>The instruction at fault, counted from the program's first.</summary>
    public int Instruction { get; }

    /// <summary>What is wrong, the limit, and what to do instead.</summary>
    public string Message { get; }

    /// <inheritdoc/>
    public override string ToString() => $"program '{Program}' ({SectionName}), instruction {Instruction}: {Message}";
}
