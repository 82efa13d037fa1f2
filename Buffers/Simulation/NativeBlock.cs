using System.Runtime.InteropServices;

namespace ManagedBpf.Buffers.Simulation;

/// <summary>Zeroed, page-aligned native memory standing in for a kernel mapping; freed on dispose or finalization.</summary>
internal sealed unsafe class NativeBlock : SafeHandle
{
    internal NativeBlock(nuint length, nuint alignment)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        var memory = NativeMemory.AlignedAlloc(length, alignment);
        NativeMemory.Clear(memory, length);
        SetHandle((IntPtr)memory);
        Length = length;
    }

    internal nuint Length { get; }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>The start of the block; the owner checks for disposal first.</summary>
    internal byte* Pointer => (byte*)handle;

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        NativeMemory.AlignedFree((void*)handle);
        return true;
    }
}
