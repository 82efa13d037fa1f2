using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ManagedBpf.Loader;

/// <summary>
/// A global variable of a data section, readable and writable by name before the object is loaded: this
/// is how a user sets <c>const volatile</c> configuration in <c>.rodata</c>, as a libbpf skeleton does.
/// </summary>
public sealed class GlobalVariable
{
    internal GlobalVariable(DataSection section, string name, uint offset, uint size, uint btfTypeId)
    {
        Section = section;
        Name = name;
        Offset = offset;
        Size = size;
        BtfTypeId = btfTypeId;
    }

    /// <summary>The variable's name.</summary>
    public string Name { get; }

    /// <summary>The data section holding it.</summary>
    public DataSection Section { get; }

    /// <summary>Its byte offset in the section.</summary>
    public uint Offset { get; }

    /// <summary>Its size in bytes.</summary>
    public uint Size { get; }

    /// <summary>Its type in the object's BTF (0 without BTF).</summary>
    public uint BtfTypeId { get; }

    /// <summary>The variable's bytes, live: writes change what the map will be created with.</summary>
    public Span<byte> Bytes => Section.Contents.AsSpan((int)Offset, (int)Size);

    /// <summary>Sets the variable to <paramref name="value"/>, whose size must equal the variable's.</summary>
    /// <exception cref="ArgumentException">The sizes differ.</exception>
    public void Set<T>(T value)
        where T : unmanaged
    {
        CheckSize<T>();
        MemoryMarshal.Write(Bytes, in value);
    }

    /// <summary>Reads the variable as <typeparamref name="T"/>, whose size must equal the variable's.</summary>
    public T Get<T>()
        where T : unmanaged
    {
        CheckSize<T>();
        return MemoryMarshal.Read<T>(Bytes);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Section.Name}:{Name} (+{Offset}, {Size} bytes)";

    internal void CheckSize<T>()
        where T : unmanaged
    {
        if (Unsafe.SizeOf<T>() != Size)
            throw new ArgumentException($"Variable '{Name}' is {Size} bytes; {typeof(T).Name} is {Unsafe.SizeOf<T>()}.");
    }
}
