namespace ManagedBpf.Maps;

/// <summary>
/// A map pinned by name exists, but with attributes other than the spec's; it is not reused. An
/// <see cref="InvalidOperationException"/>: the state of the bpffs, not the call, is what stands in the way.
/// </summary>
public sealed class MapIncompatibleException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public MapIncompatibleException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public MapIncompatibleException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public MapIncompatibleException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Throws (disposing <paramref name="existing"/>) when the pinned map differs from the spec, as libbpf's map_is_reuse_compat.</summary>
    internal static void ThrowIfIncompatible(Map existing, MapSpec spec, string path)
    {
        var info = existing.GetInfo();
        var mismatch =
            info.Type != spec.Type ? $"type {info.Type} vs {spec.Type}" :
            info.KeySize != spec.KeySize ? $"key_size {info.KeySize} vs {spec.KeySize}" :
            info.ValueSize != spec.ValueSize ? $"value_size {info.ValueSize} vs {spec.ValueSize}" :
            info.MaxEntries != spec.MaxEntries ? $"max_entries {info.MaxEntries} vs {spec.MaxEntries}" :
            info.Flags != spec.Flags ? $"map_flags {info.Flags} vs {spec.Flags}" :
            null;
        if (mismatch is null)
            return;
        existing.Dispose();
        throw new MapIncompatibleException($"The map pinned at {path} cannot be reused for '{spec.Name}': {mismatch} (pinned vs wanted). Remove the pin or change the spec.");
    }
}
