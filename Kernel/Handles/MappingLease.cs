namespace ManagedBpf.Kernel;

/// <summary>
/// A reference on a <see cref="SafeMmapHandle"/>: while it is held, the memory stays mapped even if the
/// owner is disposed on another thread. Hold it only for the span of a read, never across awaits.
/// </summary>
public readonly unsafe ref struct MappingLease
{
    private readonly SafeMmapHandle? _mapping;

    internal MappingLease(SafeMmapHandle mapping)
    {
        var added = false;
        mapping.DangerousAddRef(ref added);
        _mapping = mapping;
        Pointer = (byte*)mapping.DangerousGetHandle();
        Length = mapping.Length;
    }

    /// <summary>The first byte of the mapping.</summary>
    public byte* Pointer { get; }

    /// <summary>The mapping's length in bytes.</summary>
    public nuint Length { get; }

    /// <summary>Gives the reference back.</summary>
    public void Dispose() => _mapping?.DangerousRelease();
}
