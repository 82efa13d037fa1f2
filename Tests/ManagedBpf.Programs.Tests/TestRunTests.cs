using ManagedBpf.Kernel;
using ManagedBpf.TestSupport;
using static ManagedBpf.Tests.Shared.Asm;

namespace ManagedBpf.Programs.Tests;

public sealed class TestRunTests
{
    [KernelFact]
    public void Runs_a_packet_program_and_returns_its_verdict()
    {
        using var program = Program.Load(Spec("verdict", BpfProgType.SCHED_CLS, Mov64Imm(0, 42), Exit()));
        var packet = new byte[64];
        var output = new byte[64];
        var result = program.TestRun(packet, output, repeat: 10);
        Assert.Equal(42u, result.ReturnValue);
        Assert.Equal(64, result.DataOutLength);
    }

    [KernelFact]
    public void Runs_a_syscall_program_on_a_context()
    {
        // *(u32 *)(ctx + 0) = 99; return 5;
        using var program = Program.Load(Spec("sys", BpfProgType.SYSCALL, StoreWordImm(1, 0, 99), Mov64Imm(0, 5), Exit()) with { Flags = ProgramFlags.Sleepable });
        var context = new byte[8];
        var result = program.TestRun(contextIn: context);
        Assert.Equal(5u, result.ReturnValue);
    }

    [KernelFact]
    public void Too_small_an_output_buffer_says_how_much_is_needed()
    {
        using var program = Program.Load(Spec("verdict", BpfProgType.SCHED_CLS, Mov64Imm(0, 0), Exit()));
        var e = Assert.Throws<BpfSyscallException>(() => program.TestRun(new byte[64], new byte[8]));
        Assert.Equal(Errno.ENOSPC, e.Errno);
        Assert.Contains("the kernel needs 64 data bytes", e.Message);
    }
}
