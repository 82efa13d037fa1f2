using System.Runtime.InteropServices;

namespace ManagedBpf.Loader;

public sealed partial class Collection
{
    /// <summary>
    /// Reads a global variable's current value from its data map (<c>.bss</c>, <c>.data</c>…), as a skeleton's
    /// <c>skel->bss->name</c> would: what the programs have written since the load, not the value it was loaded with.
    /// </summary>
    /// <typeparam name="T">A type of exactly the variable's size.</typeparam>
    /// <param name="name">The variable's name.</param>
    /// <returns>The value.</returns>
    /// <exception cref="KeyNotFoundException">The object has no such variable.</exception>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not the variable's size.</exception>
    public T ReadVariable<T>(string name)
        where T : unmanaged
    {
        var variable = Spec.Variable(name);
        variable.CheckSize<T>();
        var map = Map(variable.Section.Name);
        var value = new byte[map.ValueBufferSize];
        if (!map.TryLookup(stackalloc byte[sizeof(uint)], value)) // a data map is an array of one element, key 0
            throw new InvalidOperationException($"{map} has no element 0 to read {variable} from.");
        return MemoryMarshal.Read<T>(value.AsSpan((int)variable.Offset, (int)variable.Size));
    }
}
