using System.Runtime.InteropServices;
using ManagedBpf.Kernel.Interop;

namespace ManagedBpf.Kernel;

/// <summary>
/// A write-only stream over a descriptor the process inherited, such as standard output, that writes with
/// <c>write(2)</c>: at the open file's shared offset, as a shell's other commands and <c>2&gt;&amp;1</c> do, and
/// appending under <c>&gt;&gt;</c>. <see cref="FileStream"/> over a regular file keeps a position of its own and writes
/// with <c>pwrite</c>, so output redirected to a file would overwrite what others wrote before and after it;
/// <see cref="Console.OpenStandardOutput()"/> writes at the shared offset but swallows EPIPE, so a reader that closed
/// the pipe would never be noticed. This stream does neither: a closed pipe is an <see cref="IOException"/>
/// (the .NET runtime ignores SIGPIPE).
/// </summary>
public sealed class DescriptorStream : Stream
{
    private readonly int _fd;

    /// <summary>Wraps an inherited descriptor without owning it: disposing the stream leaves it open.</summary>
    /// <param name="fd">The descriptor, e.g. 1 for standard output.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fd"/> is negative.</exception>
    public DescriptorStream(int fd)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        _fd = fd;
    }

    /// <inheritdoc/>
    public override bool CanRead => false;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => true;

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">Always: the stream does not seek.</exception>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">Always: the stream does not seek.</exception>
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Nothing to flush: every write reaches the descriptor before it returns.</summary>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">Always: the stream is write-only.</exception>
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">Always: the stream does not seek.</exception>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">Always: the stream does not seek.</exception>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    /// <exception cref="IOException">The write failed: EPIPE when the reader closed the pipe, or another errno.</exception>
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <summary>Writes all of <paramref name="buffer"/>, retrying partial writes, EINTR, and EAGAIN on a non-blocking descriptor.</summary>
    /// <exception cref="IOException">The write failed: EPIPE when the reader closed the pipe, or another errno.</exception>
    public override unsafe void Write(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            var written = 0;
            while (written < buffer.Length)
            {
                var n = Libc.Write(_fd, start + written, (nuint)(buffer.Length - written));
                if (n >= 0)
                {
                    written += (int)n;
                    continue;
                }

                var errno = (Errno)Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR)
                    continue;
                if (errno == Errno.EAGAIN)
                {
                    WaitWritable();
                    continue;
                }

                throw new IOException($"write to descriptor {_fd} failed: {BpfSyscallException.Describe(errno)} ({errno})", (int)errno);
            }
        }
    }

    /// <inheritdoc/>
    /// <exception cref="IOException">The write failed: EPIPE when the reader closed the pipe, or another errno.</exception>
    public override void WriteByte(byte value) => Write([value]);

    /// <summary>Blocks until a non-blocking descriptor (a terminal or pipe another process set O_NONBLOCK on) takes data again.</summary>
    private unsafe void WaitWritable()
    {
        var poll = new Libc.PollFd { Fd = _fd, Events = Libc.POLLOUT };
        while (Libc.Poll(&poll, 1, -1) < 0 && (Errno)Marshal.GetLastPInvokeError() == Errno.EINTR)
        {
        }
    }
}
