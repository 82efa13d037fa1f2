using System.Runtime.CompilerServices;
using ManagedBpf.Maps;
using ManagedBpf.Programs;

namespace ManagedBpf.Loader;

/// <summary>
/// What a generated skeleton stands on (<c>mbpf gen skeleton</c>, or a project's <c>&lt;BpfObject&gt;</c> items):
/// an object opened but not loaded, whose global variables can be set; then <see cref="Load"/>; then the maps,
/// programs and live variables of the loaded collection. The generated class adds typed properties over the
/// protected accessors here, so that names and types are checked by the compiler instead of at run time.
/// </summary>
/// <remarks>
/// Variables follow libbpf's skeleton: before <see cref="Load"/> every global reads and writes the bytes the data maps
/// will be created with; after it, <c>.data</c> and <c>.bss</c> (and other writable data sections) read and write the
/// map's memory, mapped into the process, live with the programs; <c>.rodata</c> and <c>.kconfig</c> are frozen by the
/// load and read-only. <c>.kconfig</c> values are known only after the load, which fills them from the kernel.
/// </remarks>
public abstract class BpfSkeleton : IDisposable
{
    private readonly Dictionary<string, MapMemory> _memories = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GlobalVariable> _variables = new(StringComparer.Ordinal); // by name, as Spec.Variable finds them
    private readonly Dictionary<string, KconfigExtern> _kconfig = new(StringComparer.Ordinal);
    private Collection? _collection;
    private bool _disposed;

    /// <summary>Wraps an object opened but not loaded.</summary>
    /// <param name="spec">The object.</param>
    /// <exception cref="ArgumentNullException"><paramref name="spec"/> is null.</exception>
    protected BpfSkeleton(ObjectSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Spec = spec;
        // A property read looks its variable up here, not through the spec's search, which allocates.
        foreach (var variable in spec.DataSections.SelectMany(d => d.Variables))
            _variables.TryAdd(variable.Name, variable);
        foreach (var kconfig in spec.KconfigExterns)
            _kconfig.TryAdd(kconfig.Name, kconfig);
    }

    /// <summary>The object: change map specs, program flags or autoload here before <see cref="Load"/>.</summary>
    public ObjectSpec Spec { get; }

    /// <summary>Whether <see cref="Load"/> has succeeded.</summary>
    public bool IsLoaded => _collection is not null;

    /// <summary>The loaded maps and programs.</summary>
    /// <exception cref="InvalidOperationException">Not loaded yet.</exception>
    /// <exception cref="ObjectDisposedException">The skeleton was disposed.</exception>
    public Collection Collection
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _collection ?? throw new InvalidOperationException($"'{Spec.Name}' is not loaded yet: call Load() first.");
        }
    }

    /// <summary>
    /// Creates the maps (with the variables as set so far), loads the programs and maps the data sections into the
    /// process for live access to their variables.
    /// </summary>
    /// <param name="options">Pinning, kernel BTF, verifier log level, warnings.</param>
    /// <inheritdoc cref="ObjectSpec.Load(CollectionOptions?)" path="/exception"/>
    /// <exception cref="InvalidOperationException">Already loaded.</exception>
    /// <exception cref="ObjectDisposedException">The skeleton was disposed.</exception>
    public void Load(CollectionOptions? options = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_collection is not null)
            throw new InvalidOperationException($"'{Spec.Name}' is already loaded.");
        var collection = Spec.Load(options);
        try
        {
            foreach (var section in Spec.DataSections)
            {
                if (section.Variables.Count > 0 && collection.Maps.TryGetValue(section.Name, out var map))
                    _memories.Add(section.Name, map.Mmap(writable: !section.IsReadOnly));
            }

            if (Spec.KconfigExterns.Count > 0 && collection.Maps.TryGetValue(".kconfig", out var kconfig))
                _memories.Add(".kconfig", kconfig.Mmap(writable: false));
        }
        catch
        {
            DisposeMemories();
            collection.Dispose();
            throw;
        }

        _collection = collection;
    }

    /// <summary>Attaches every loaded program as its section name says (<see cref="Collection.AttachAll"/>).</summary>
    /// <returns>The links: dispose them to detach.</returns>
    /// <inheritdoc cref="Collection.AttachAll" path="/exception"/>
    /// <exception cref="InvalidOperationException">Not loaded yet.</exception>
    /// <exception cref="ObjectDisposedException">The skeleton was disposed.</exception>
    public AutoAttachment AttachAll() => Collection.AttachAll();

    /// <summary>Closes the mapped data sections, maps, programs and BTF (links held elsewhere keep programs attached).</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what the skeleton holds.</summary>
    /// <param name="disposing">True from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed || !disposing)
            return;
        _disposed = true;
        DisposeMemories();
        _collection?.Dispose();
    }

    /// <summary>A global variable's value: the initial bytes before <see cref="Load"/>, the live map memory after it.</summary>
    /// <typeparam name="T">A type of exactly the variable's size.</typeparam>
    /// <param name="name">The variable's C name.</param>
    /// <exception cref="KeyNotFoundException">The object has no such variable.</exception>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not the variable's size.</exception>
    /// <exception cref="ObjectDisposedException">The skeleton was disposed.</exception>
    protected T GetVariable<T>(string name)
        where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var variable = Variable(name);
        if (_collection is not null && _memories.TryGetValue(variable.Section.Name, out var memory))
        {
            variable.CheckSize<T>();
            return memory.Read<T>((int)variable.Offset);
        }

        return variable.Get<T>();
    }

    /// <summary>Sets a global variable: its initial value before <see cref="Load"/>, the live map memory after it.</summary>
    /// <typeparam name="T">A type of exactly the variable's size.</typeparam>
    /// <param name="name">The variable's C name.</param>
    /// <param name="value">The value.</param>
    /// <exception cref="KeyNotFoundException">The object has no such variable.</exception>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not the variable's size.</exception>
    /// <exception cref="InvalidOperationException">The object is loaded and the variable is read-only (<c>.rodata</c>).</exception>
    /// <exception cref="ObjectDisposedException">The skeleton was disposed.</exception>
    protected void SetVariable<T>(string name, T value)
        where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var variable = Variable(name);
        if (_collection is null)
        {
            variable.Set(value);
            return;
        }

        if (variable.Section.IsReadOnly || !_memories.TryGetValue(variable.Section.Name, out var memory))
            throw new InvalidOperationException($"{variable} is read-only once '{Spec.Name}' is loaded: set it before Load().");
        variable.CheckSize<T>();
        memory.Write((int)variable.Offset, value);
    }

    /// <summary>A <c>__kconfig</c> extern's value, which the load filled from the running kernel.</summary>
    /// <typeparam name="T">A type of exactly the extern's size.</typeparam>
    /// <param name="name">The extern's name (<c>LINUX_KERNEL_VERSION</c>, <c>CONFIG_HZ</c>…).</param>
    /// <exception cref="KeyNotFoundException">The object has no such extern.</exception>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not the extern's size.</exception>
    /// <exception cref="InvalidOperationException">Not loaded yet: the value is not known before the load.</exception>
    /// <exception cref="ObjectDisposedException">The skeleton was disposed.</exception>
    protected T GetKconfig<T>(string name)
        where T : unmanaged
    {
        _ = Collection; // known only once loaded
        var value = _kconfig.GetValueOrDefault(name) ?? throw new KeyNotFoundException($"'{Spec.Name}' has no __kconfig extern '{name}'.");
        if (Unsafe.SizeOf<T>() != value.Size)
            throw new ArgumentException($"{typeof(T).Name} is {Unsafe.SizeOf<T>()} bytes but __kconfig extern '{name}' is {value.Size}.", nameof(T));
        return _memories[".kconfig"].Read<T>((int)value.Offset);
    }

    /// <summary>A loaded map by its C name.</summary>
    /// <exception cref="InvalidOperationException">Not loaded yet.</exception>
    /// <exception cref="KeyNotFoundException">No such map.</exception>
    /// <exception cref="ObjectDisposedException">The skeleton was disposed.</exception>
    protected Map GetMap(string name) => Collection.Map(name);

    /// <summary>A loaded program by its C name.</summary>
    /// <exception cref="InvalidOperationException">Not loaded yet.</exception>
    /// <exception cref="KeyNotFoundException">No such program, or it was not loaded (autoload off).</exception>
    /// <exception cref="ObjectDisposedException">The skeleton was disposed.</exception>
    protected Program GetProgram(string name) => Collection.Program(name);

    private GlobalVariable Variable(string name) =>
        _variables.GetValueOrDefault(name) ?? throw new KeyNotFoundException($"'{Spec.Name}' has no global variable '{name}'.");

    private void DisposeMemories()
    {
        foreach (var memory in _memories.Values)
            memory.Dispose();
        _memories.Clear();
    }
}
