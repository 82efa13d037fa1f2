using System.Runtime.InteropServices;
using System.Text;
using ManagedBpf.Kernel.Abi;
using ManagedBpf.Kernel.Interop;

namespace ManagedBpf.Kernel;

/// <summary>
/// The <c>bpf(2)</c> syscall. Every command goes through <see cref="Syscall{T}"/>, which passes the attr
/// struct with its exact size (the kernel zero-extends a shorter attr and rejects a longer one with
/// non-zero tail bytes). Callers get either a result or an exception that names the command, the errno
/// and a hint.
/// </summary>
internal static unsafe class Bpf
{
    /// <summary>Calls bpf(command, &amp;attr, sizeof(attr)). Returns the result, or -1 with the errno in <paramref name="errno"/>.</summary>
    internal static int Syscall<T>(BpfCommand command, ref T attr, out Errno errno)
        where T : unmanaged
    {
        fixed (T* p = &attr)
        {
            var result = Libc.Syscall(SyscallNumbers.Bpf, (nint)command, (nint)p, sizeof(T), 0, 0);
            errno = result < 0 ? (Errno)Marshal.GetLastPInvokeError() : Errno.None;
            return result < 0 ? -1 : (int)result;
        }
    }

    /// <summary>Runs a command that returns a new descriptor, or throws with the hint from <paramref name="hint"/> (or the command's default).</summary>
    internal static SafeFdHandle CreateFd<T>(BpfCommand command, ref T attr, string? subject, string? hint = null)
        where T : unmanaged
    {
        var fd = Syscall(command, ref attr, out var errno);
        if (fd < 0)
            throw Error(command, errno, subject, hint);
        return new SafeFdHandle(fd, ownsHandle: true);
    }

    /// <summary>Runs a command that returns 0 on success, or throws.</summary>
    internal static void Run<T>(BpfCommand command, ref T attr, string? subject)
        where T : unmanaged
    {
        if (Syscall(command, ref attr, out var errno) < 0)
            throw Error(command, errno, subject);
    }

    /// <summary>The exception for a failed command, with the caller's hint or the command's default one.</summary>
    internal static BpfSyscallException Error(BpfCommand command, Errno errno, string? subject, string? hint = null) =>
        new("BPF_" + command, errno, command, subject, hint ?? BpfErrorHints.ForCommand(command, errno));

    /// <summary>BPF_MAP_CREATE.</summary>
    internal static SafeFdHandle MapCreate(ref MapCreateAttr attr, string? subject)
    {
        var fd = Syscall(BpfCommand.MAP_CREATE, ref attr, out var errno);
        if (fd >= 0)
            return new SafeFdHandle(fd, ownsHandle: true);
        var hint = BpfErrorHints.ForMapCreate(errno, (BpfMapType)attr.map_type, attr.key_size, attr.value_size, attr.max_entries,
            btfKeyValue: attr.btf_key_type_id != 0 || attr.btf_value_type_id != 0);
        throw Error(BpfCommand.MAP_CREATE, errno, subject, hint);
    }

    /// <summary>
    /// An element command (lookup, update, delete, get-next-key, lookup-and-delete). Returns the errno
    /// (<see cref="Errno.None"/> on success) so that callers can treat ENOENT as an answer, not a failure.
    /// </summary>
    internal static Errno MapElem(BpfCommand command, SafeFdHandle map, void* key, void* valueOrNextKey, ulong flags)
    {
        using var lease = map.Borrow();
        var attr = new MapElemAttr { map_fd = (uint)lease.Fd, key = (ulong)key, value = (ulong)valueOrNextKey, flags = flags };
        Syscall(command, ref attr, out var errno);
        return errno;
    }

    /// <summary>The exception for a failed element command.</summary>
    internal static BpfSyscallException ElemError(BpfCommand command, Errno errno, ulong flags, string? subject) =>
        Error(command, errno, subject, BpfErrorHints.ForElement(command, errno, flags));

    /// <summary>Pins <paramref name="fd"/> at <paramref name="path"/> on a bpffs.</summary>
    internal static void ObjPin(SafeFdHandle fd, string path)
    {
        var bytes = NulTerminated(path);
        fixed (byte* p = bytes)
        {
            using var lease = fd.Borrow();
            var attr = new ObjAttr { pathname = (ulong)p, bpf_fd = (uint)lease.Fd };
            if (Syscall(BpfCommand.OBJ_PIN, ref attr, out var errno) < 0)
                throw Error(BpfCommand.OBJ_PIN, errno, path, BpfErrorHints.ForPath(BpfCommand.OBJ_PIN, errno, path));
        }
    }

    /// <summary>Opens the object pinned at <paramref name="path"/>.</summary>
    internal static SafeFdHandle ObjGet(string path, uint fileFlags)
    {
        var bytes = NulTerminated(path);
        fixed (byte* p = bytes)
        {
            var attr = new ObjAttr { pathname = (ulong)p, file_flags = fileFlags };
            var fd = Syscall(BpfCommand.OBJ_GET, ref attr, out var errno);
            if (fd < 0)
                throw Error(BpfCommand.OBJ_GET, errno, path, BpfErrorHints.ForPath(BpfCommand.OBJ_GET, errno, path));
            return new SafeFdHandle(fd, ownsHandle: true);
        }
    }

    /// <summary>BPF_OBJ_GET_INFO_BY_FD into <paramref name="info"/>; the kernel fills what it knows of the struct.</summary>
    internal static void GetInfo<T>(SafeFdHandle fd, ref T info, string? subject)
        where T : unmanaged
    {
        fixed (T* p = &info)
        {
            using var lease = fd.Borrow();
            var attr = new InfoByFdAttr { bpf_fd = (uint)lease.Fd, info_len = (uint)sizeof(T), info = (ulong)p };
            Run(BpfCommand.OBJ_GET_INFO_BY_FD, ref attr, subject);
        }
    }

    /// <summary>BPF_*_GET_NEXT_ID: the next id after <paramref name="startId"/>, or null at the end.</summary>
    internal static uint? GetNextId(BpfCommand command, uint startId)
    {
        var attr = new GetIdAttr { start_id = startId };
        if (Syscall(command, ref attr, out var errno) == 0)
            return attr.next_id;
        return errno == Errno.ENOENT ? null : throw Error(command, errno, null);
    }

    /// <summary>BPF_*_GET_FD_BY_ID.</summary>
    internal static SafeFdHandle GetFdById(BpfCommand command, uint id, uint openFlags = 0)
    {
        var attr = new GetIdAttr { start_id = id, open_flags = openFlags };
        return CreateFd(command, ref attr, $"id {id}");
    }

    /// <summary>The UTF-8 bytes of a path with the terminating NUL the kernel expects.</summary>
    internal static byte[] NulTerminated(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }
}
