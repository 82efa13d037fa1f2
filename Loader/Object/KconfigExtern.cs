namespace ManagedBpf.Loader;

/// <summary>A <c>__kconfig</c> extern and where its value lives in the kconfig map.</summary>
/// <param name="Name">The extern's name (<c>CONFIG_HZ</c>, <c>LINUX_KERNEL_VERSION</c>…).</param>
/// <param name="Offset">Its byte offset in the kconfig map, as libbpf lays them out.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="TypeId">Its type in the object's BTF.</param>
/// <param name="Weak">Whether it may be missing (<c>__weak</c>): then it reads 0.</param>
public sealed record KconfigExtern(string Name, uint Offset, uint Size, uint TypeId, bool Weak);
