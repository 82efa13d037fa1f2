using ManagedBpf.Kernel;
using ManagedBpf.Kernel.Abi;

namespace ManagedBpf.Programs;

public sealed partial class Program
{
    /// <summary>
    /// Runs the program in the kernel on the given input (BPF_PROG_TEST_RUN): a packet for networking
    /// programs, a context for syscall, raw tracepoint and others.
    /// </summary>
    /// <param name="dataIn">The packet, or empty.</param>
    /// <param name="dataOut">Receives the packet after the run, or empty.</param>
    /// <param name="contextIn">The context (e.g. <c>struct __sk_buff</c>, or a syscall program's argument), or empty.</param>
    /// <param name="contextOut">Receives the context after the run, or empty.</param>
    /// <param name="repeat">Runs the program this many times; 0 means once (and is the only value syscall programs accept).</param>
    /// <param name="flags">Run flags.</param>
    /// <param name="cpu">The CPU, with <see cref="TestRunFlags.RunOnCpu"/>.</param>
    /// <exception cref="BpfSyscallException">ENOSPC when an output buffer is too small; EINVAL or ENOTSUPP when the program type cannot be test-run this way.</exception>
    public unsafe TestRunResult TestRun(
        ReadOnlySpan<byte> dataIn = default,
        Span<byte> dataOut = default,
        ReadOnlySpan<byte> contextIn = default,
        Span<byte> contextOut = default,
        uint repeat = 0,
        TestRunFlags flags = TestRunFlags.None,
        uint cpu = 0)
    {
        fixed (byte* pDataIn = dataIn)
        fixed (byte* pDataOut = dataOut)
        fixed (byte* pContextIn = contextIn)
        fixed (byte* pContextOut = contextOut)
        {
            using var lease = Handle.Borrow();
            var attr = new ProgTestRunAttr
            {
                prog_fd = (uint)lease.Fd,
                data_in = (ulong)pDataIn,
                data_size_in = (uint)dataIn.Length,
                data_out = (ulong)pDataOut,
                data_size_out = (uint)dataOut.Length,
                ctx_in = (ulong)pContextIn,
                ctx_size_in = (uint)contextIn.Length,
                ctx_out = (ulong)pContextOut,
                ctx_size_out = (uint)contextOut.Length,
                repeat = repeat,
                flags = (uint)flags,
                cpu = cpu,
            };
            if (Bpf.Syscall(BpfCommand.PROG_TEST_RUN, ref attr, out var errno) < 0)
            {
                throw Bpf.Error(BpfCommand.PROG_TEST_RUN, errno, ToString(), errno switch
                {
                    Errno.ENOSPC => $"An output buffer is too small: the kernel needs {attr.data_size_out} data bytes and {attr.ctx_size_out} context bytes.",
                    Errno.EINVAL or Errno.ENOTSUPP or Errno.EOPNOTSUPP => $"{Type} programs cannot be test-run with these inputs on this kernel.",
                    _ => null,
                });
            }
            return new TestRunResult(attr.retval, TimeSpan.FromTicks(attr.duration / 100), (int)attr.data_size_out, (int)attr.ctx_size_out);
        }
    }
}
