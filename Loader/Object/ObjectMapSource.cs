namespace ManagedBpf.Loader;

/// <summary>Where an object's map was defined.</summary>
public enum ObjectMapSource
{
    /// <summary>A BTF-defined map in <c>.maps</c>.</summary>
    Btf,

    /// <summary>A legacy <c>struct bpf_map_def</c> in <c>maps</c>.</summary>
    Legacy,

    /// <summary>The array behind a global data section (<c>.data</c>, <c>.rodata</c>, <c>.bss</c> and their <c>.*</c> kin).</summary>
    Data,

    /// <summary>The array holding <c>__kconfig</c> externs.</summary>
    Kconfig,
}
