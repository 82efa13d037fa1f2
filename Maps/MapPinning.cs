namespace ManagedBpf.Maps;

/// <summary>How a map is shared through bpffs, as libbpf's <c>LIBBPF_PIN_*</c>.</summary>
public enum MapPinning
{
    /// <summary>LIBBPF_PIN_NONE: the map lives as long as its descriptors and programs.</summary>
    None = 0,

    /// <summary>LIBBPF_PIN_BY_NAME: reuse the map pinned at <c>{pin directory}/{name}</c>, or create and pin it there.</summary>
    ByName = 1,
}
