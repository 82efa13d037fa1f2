using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ManagedBpf.Maps;

/// <summary>What the typed views share: the size check and the view of an <c>in</c> value as bytes.</summary>
internal static class MapViews
{
    internal static void CheckSize<T>(Map map, uint size, string what)
        where T : unmanaged
    {
        if (Unsafe.SizeOf<T>() != size)
            throw new ArgumentException($"{map}: {typeof(T).Name} is {Unsafe.SizeOf<T>()} bytes but the map's {what} is {size} bytes.");
    }

    /// <summary>The bytes of a value the caller holds; the kernel only reads them.</summary>
    internal static ReadOnlySpan<byte> Bytes<T>(in T value)
        where T : unmanaged => MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value));
}
