using ManagedBpf.Kernel;
using Microsoft.Win32.SafeHandles;

namespace ManagedBpf.Programs;

/// <summary>
/// A BPF iterator: a bpf_link (BPF_TRACE_ITER) from which any number of iterations can be opened. Each
/// <see cref="Open"/> runs the program over the kernel objects from the start, and its output is read as
/// a stream (the iterator can also be pinned and read with <c>cat</c>).
/// </summary>
public sealed class IteratorLink : Link
{
    internal IteratorLink(SafeFdHandle handle, string description)
        : base(handle, AttachMechanism.BpfLink, description)
    {
    }

    /// <summary>Starts an iteration (BPF_ITER_CREATE) and returns its output as a read-only, non-seekable stream.</summary>
    public Stream Open()
    {
        var iterator = BpfLinkCommands.IterCreate(RequireHandle("iterated"), Description);
        // The stream owns the descriptor from here; SafeFileHandle closes it when the stream is disposed.
        var file = new SafeFileHandle(iterator.DangerousGetHandle(), ownsHandle: true);
        iterator.SetHandleAsInvalid();
        return new FileStream(file, FileAccess.Read, bufferSize: 0);
    }

    /// <summary>Runs one iteration and returns its whole output as UTF-8 text.</summary>
    public string ReadAllText()
    {
        using var reader = new StreamReader(Open());
        return reader.ReadToEnd();
    }
}
