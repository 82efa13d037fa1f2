using System.Globalization;
using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader.Core;

/// <summary>
/// A CO-RE relocation that cannot be computed or applied, as libbpf fails <c>bpf_object__relocate_core</c>. The cause is
/// either the object contradicting itself (an access string that does not walk its own BTF, an instruction that does not
/// hold the value the local BTF predicts or cannot carry the relocation) or the target making the relocation undecidable
/// (candidates that disagree, a bitfield no 64-bit load can reach, an offset beyond a 16-bit instruction offset).
/// </summary>
/// <remarks>
/// This is a separate type from <see cref="BpfObjectFormatException"/> because half of its causes are not the object's
/// fault: the same object relocates against one kernel and not another. Malformed BTF met while walking types (a
/// typedef cycle) is reported through this exception too, with the <see cref="BpfObjectFormatException"/> as
/// <see cref="Exception.InnerException"/>, so that one catch covers a relocation pass.
/// </remarks>
public sealed class CoreRelocationException : Exception
{
    /// <summary>Creates an exception with a generic message.</summary>
    public CoreRelocationException()
        : base("A CO-RE relocation failed.")
    {
    }

    /// <summary>Creates an exception with the given message and no location.</summary>
    /// <param name="message">What went wrong.</param>
    public CoreRelocationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with the given message and inner exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The exception that revealed the problem.</param>
    public CoreRelocationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception that locates the failing relocation.</summary>
    /// <param name="problem">What went wrong.</param>
    /// <param name="section">The ELF section holding the instruction.</param>
    /// <param name="relocationIndex">The relocation's position in the list given to <see cref="CoreRelocator.Apply"/> (libbpf's <c>relo #N</c>).</param>
    /// <param name="instructionIndex">The instruction index in <paramref name="section"/>.</param>
    /// <param name="kind">The relocation kind.</param>
    /// <param name="localType">The local root type, as <c>[13] struct task_struct</c>.</param>
    /// <param name="accessString">The access string.</param>
    /// <param name="innerException">The exception that revealed the problem, or null.</param>
    public CoreRelocationException(
        string problem,
        string section,
        int relocationIndex,
        long instructionIndex,
        BpfCoreReloKind kind,
        string localType,
        string accessString,
        Exception? innerException = null)
        : base(Compose(problem, section, relocationIndex, instructionIndex, kind, localType, accessString), innerException)
    {
        Problem = problem;
        Section = section;
        RelocationIndex = relocationIndex;
        InstructionIndex = instructionIndex;
        Kind = kind;
        AccessString = accessString;
    }

    /// <summary>What went wrong, without the location (the message's last part).</summary>
    public string? Problem { get; }

    /// <summary>The ELF section holding the relocated instruction, when known.</summary>
    public string? Section { get; }

    /// <summary>The relocation's position in the list given to <see cref="CoreRelocator.Apply"/>, when known.</summary>
    public int? RelocationIndex { get; }

    /// <summary>The relocated instruction's index in <see cref="Section"/>, when known.</summary>
    public long? InstructionIndex { get; }

    /// <summary>The relocation kind, when known.</summary>
    public BpfCoreReloKind? Kind { get; }

    /// <summary>The relocation's access string, when known.</summary>
    public string? AccessString { get; }

    private static string Compose(string problem, string section, int relocationIndex, long instructionIndex, BpfCoreReloKind kind, string localType, string accessString) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"section '{section}': CO-RE relocation #{relocationIndex} <{CoreReloKinds.Name(kind)}> ({(uint)kind}) of {localType} + \"{accessString}\" at insn #{instructionIndex}: {problem}");
}
