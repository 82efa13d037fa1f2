using ManagedBpf.Kernel;

namespace ManagedBpf.Maps;

/// <summary>What creating a map needs besides its <see cref="MapSpec"/>.</summary>
public sealed record MapCreateOptions
{
    /// <summary>The loaded BTF object that <see cref="MapSpec.BtfKeyTypeId"/> and <see cref="MapSpec.BtfValueTypeId"/> refer to.</summary>
    public SafeFdHandle? Btf { get; init; }

    /// <summary>Where maps with <see cref="MapPinning.ByName"/> are pinned; <c>/sys/fs/bpf</c> when null.</summary>
    public string? PinDirectory { get; init; }
}
