using System.Diagnostics.CodeAnalysis;
using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader.Core;

/// <summary>
/// The relocation being resolved: where errors are reported, and a step budget shared by every type walk it does.
/// libbpf bounds its walks by depth only; a crafted BTF (a wide DAG of anonymous members, nested function prototypes)
/// can still make a depth-bounded walk exponential, so each relocation may take at most <see cref="MaxSteps"/> steps.
/// </summary>
internal sealed class CoreReloContext
{
    /// <summary>Far above what any real kernel type needs (task_struct takes a few hundred), far below a noticeable hang.</summary>
    public const int MaxSteps = 1 << 20;

    private int _steps;

    public CoreReloContext(string section, int relocationIndex, BpfCoreRelo relo, BtfSpec localBtf)
    {
        Section = section;
        RelocationIndex = relocationIndex;
        Relo = relo;
        LocalBtf = localBtf;
    }

    public string Section { get; }

    public int RelocationIndex { get; }

    public BpfCoreRelo Relo { get; }

    public BtfSpec LocalBtf { get; }

    /// <summary>Counts one step of a type walk; fails the relocation when the budget is spent.</summary>
    public void Step()
    {
        if (++_steps > MaxSteps)
        {
            Fail($"type walk exceeded {MaxSteps} steps (a pathological BTF graph?)");
        }
    }

    /// <summary>Throws a <see cref="CoreRelocationException"/> that names this relocation.</summary>
    [DoesNotReturn]
    public void Fail(string problem, Exception? inner = null)
    {
        var localType = Relo.TypeId < LocalBtf.TypeCount ? CoreReloKinds.DescribeType(LocalBtf, Relo.TypeId) : $"[{Relo.TypeId}]";
        throw new CoreRelocationException(problem, Section, RelocationIndex, Relo.InsnIndex, Relo.Kind, localType, Relo.AccessString ?? string.Empty, inner);
    }
}
