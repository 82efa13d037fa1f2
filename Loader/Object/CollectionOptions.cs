using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader;

/// <summary>How <see cref="ObjectSpec.Load(CollectionOptions)"/> loads an object.</summary>
public sealed class CollectionOptions
{
    /// <summary>Where maps pinned by name live; <c>/sys/fs/bpf</c> when null.</summary>
    public string? PinDirectory { get; init; }

    /// <summary>The kernel BTF that CO-RE relocations and BTF attach targets resolve against; the running kernel's when null.</summary>
    public BtfSpec? KernelBtf { get; init; }

    /// <summary>The BTF kinds to assume the kernel accepts (others are sanitised away); probed from the kernel when null.</summary>
    public BtfFeatures? BtfFeatures { get; init; }

    /// <summary>Verifier log level for programs that load (failures always carry a log).</summary>
    public uint LogLevel { get; init; }

    /// <summary>
    /// Called on the loading thread with each <see cref="ObjectProgram.Warnings"/> entry of a program about
    /// to load (autoload programs only), before it loads; null to ignore them. What it throws ends the load.
    /// </summary>
    public Action<ObjectWarning>? OnWarning { get; init; }

    /// <summary>
    /// What <c>LINUX_HAS_BPF_COOKIE</c> says and how USDT probes find their spec (a cookie, or an entry keyed by
    /// instruction pointer); the kernel's answer when null. Tests set it to exercise the path older kernels take.
    /// </summary>
    internal bool? BpfCookie { get; init; }
}
