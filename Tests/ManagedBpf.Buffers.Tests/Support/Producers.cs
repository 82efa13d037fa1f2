using ManagedBpf.Kernel;
using ManagedBpf.Maps;
using ManagedBpf.Programs;
using static ManagedBpf.Tests.Shared.Asm;

namespace ManagedBpf.Buffers.Tests.Support;

/// <summary>
/// Producer programs assembled by hand and run with BPF_PROG_TEST_RUN: what the kernel writes into the rings the
/// readers are tested against. SYSCALL programs take their record from the context; raw tracepoint programs run on
/// a chosen CPU (BPF_F_TEST_RUN_ON_CPU) and call <c>bpf_perf_event_output</c>.
/// </summary>
internal static class Producers
{
    private const int BpfMapLookupElem = 1, BpfGetSmpProcessorId = 8, BpfPerfEventOutput = 25;
    private const int BpfRingbufOutput = 130, BpfRingbufReserve = 131, BpfRingbufSubmit = 132, BpfRingbufDiscard = 133;
    private const int BpfDynptrRead = 201, BpfUserRingbufDrain = 209;

    /// <summary>What <see cref="PerfOutput"/> fills a sample with after its first 16 bytes, as little-endian u64s.</summary>
    internal const ulong PerfFill = 0x11223344;

    /// <summary>BPF_RB_NO_WAKEUP.</summary>
    internal const int NoWakeup = 1;

    /// <summary>
    /// SYSCALL: <c>bpf_ringbuf_output(ring, ctx copy, size, flags)</c>. The context is the record (size bytes, a
    /// multiple of 8 up to 256). Returns the helper's result.
    /// </summary>
    internal static Program RingOutput(Map ring, int size, int flags = 0)
    {
        if (size % 8 != 0 || size is <= 0 or > 256)
            throw new ArgumentOutOfRangeException(nameof(size));
        var insns = new List<BpfInstruction> { Mov64Reg(R6, R1) };
        for (var at = 0; at < size; at += 8)
        {
            insns.Add(LoadDw(R2, R6, (short)at));
            insns.Add(StoreDw(R10, (short)(at - size), R2));
        }
        insns.AddRange(LoadMapFd(R1, ring.Handle.Fd));
        insns.AddRange([Mov64Reg(R2, R10), Add64Imm(R2, -size), Mov64Imm(R3, size), Mov64Imm(R4, flags), CallHelper(BpfRingbufOutput), Exit()]);
        return Program.Load(Spec("rb_output", BpfProgType.SYSCALL, insns));
    }

    /// <summary>
    /// SYSCALL: reserves record A then record B (16 bytes each, <c>{ u64 seq; u64 tag; }</c> with the seq from the
    /// context), submits B and only then discards A, so A is still BUSY when B is committed. Returns 0.
    /// </summary>
    internal static Program RingReserveSubmitDiscard(Map ring)
    {
        var map = ring.Handle.Fd;
        BpfInstruction[] insns =
        [
            LoadDw(R8, R1, 0),                                              // 0: r8 = seq
            .. LoadMapFd(R1, map),                                          // 1-2
            Mov64Imm(R2, 16), Mov64Imm(R3, 0), CallHelper(BpfRingbufReserve), // 3-5: A
            Mov64Reg(R7, R0),                                               // 6
            JumpIfNotEqual(R7, 0, 2),                                       // 7
            Mov64Imm(R0, 2), Exit(),                                        // 8-9
            StoreDw(R7, 0, R8), StoreDwImm(R7, 8, 0xA),                     // 10-11
            .. LoadMapFd(R1, map),                                          // 12-13
            Mov64Imm(R2, 16), Mov64Imm(R3, 0), CallHelper(BpfRingbufReserve), // 14-16: B
            Mov64Reg(R9, R0),                                               // 17
            JumpIfNotEqual(R9, 0, 5),                                       // 18
            Mov64Reg(R1, R7), Mov64Imm(R2, 0), CallHelper(BpfRingbufDiscard), // 19-21
            Mov64Imm(R0, 1), Exit(),                                        // 22-23: B failed
            StoreDw(R9, 0, R8), StoreDwImm(R9, 8, 0xB),                     // 24-25
            Mov64Reg(R1, R9), Mov64Imm(R2, 0), CallHelper(BpfRingbufSubmit),  // 26-28: submit B
            Mov64Reg(R1, R7), Mov64Imm(R2, 0), CallHelper(BpfRingbufDiscard), // 29-31: then discard A
            Mov64Imm(R0, 0), Exit(),
        ];
        return Program.Load(Spec("rb_resv", BpfProgType.SYSCALL, insns));
    }

    /// <summary>
    /// RAW_TRACEPOINT: <c>bpf_perf_event_output(ctx, perf, BPF_F_CURRENT_CPU, sample, size)</c> with the sample
    /// <c>{ u64 seq = args[0]; u64 cpu; u64 fill[] = PerfFill.. }</c>; size is a multiple of 8 from 16 to 256.
    /// </summary>
    internal static Program PerfOutput(Map perf, int size = 16)
    {
        if (size % 8 != 0 || size is < 16 or > 256)
            throw new ArgumentOutOfRangeException(nameof(size));
        var insns = new List<BpfInstruction>
        {
            Mov64Reg(R6, R1),
            LoadDw(R2, R6, 0), StoreDw(R10, (short)-size, R2),
            CallHelper(BpfGetSmpProcessorId), StoreDw(R10, (short)(8 - size), R0),
        };
        for (var at = 16; at < size; at += 8)
            insns.Add(StoreDwImm(R10, (short)(at - size), (int)PerfFill));
        insns.Add(Mov64Reg(R1, R6));
        insns.AddRange(LoadMapFd(R2, perf.Handle.Fd));
        insns.AddRange([Mov32Imm(R3, -1), Mov64Reg(R4, R10), Add64Imm(R4, -size), Mov64Imm(R5, size), CallHelper(BpfPerfEventOutput), Exit()]);
        return Program.Load(Spec("perf_output", BpfProgType.RAW_TRACEPOINT, insns));
    }

    /// <summary>
    /// RAW_TRACEPOINT: <c>bpf_perf_event_output(ctx, perf, BPF_F_CURRENT_CPU, &amp;big[0], sizeof(big[0]))</c>, where
    /// <paramref name="big"/> is a one-entry array whose value is the whole sample (70,004 bytes for the 64 KiB test).
    /// </summary>
    internal static Program PerfOutputMapValue(Map perf, Map big)
    {
        BpfInstruction[] insns =
        [
            .. LoadMapFd(R2, perf.Handle.Fd),
            Mov32Imm(R3, -1),
            .. LoadMapValue(R4, big.Handle.Fd),
            Mov64Imm(R5, (int)big.ValueSize),
            CallHelper(BpfPerfEventOutput),
            Exit(),
        ];
        return Program.Load(Spec("perf_big", BpfProgType.RAW_TRACEPOINT, insns));
    }

    /// <summary>
    /// SYSCALL: <c>n = bpf_user_ringbuf_drain(ring, callback, &amp;sum, 0)</c> where the callback adds the
    /// first u64 of each sample (read with <c>bpf_dynptr_read</c>) to <c>sum</c>; stores <c>{ u64 sum; s64 n; }</c>
    /// into the one-entry array <paramref name="result"/>. The callback is a static bpf-to-bpf sub-program whose
    /// address is loaded with BPF_PSEUDO_FUNC, so func_info BTF comes along.
    /// </summary>
    internal static Program UserRingDrain(Map ring, Map result)
    {
        BpfInstruction[] main =
        [
            StoreDwImm(R10, -8, 0),                         // sum = 0
            .. LoadMapFd(R1, ring.Handle.Fd),
            .. LoadFunction(R2, 0),                         // patched below: the callback's start
            Mov64Reg(R3, R10), Add64Imm(R3, -8),            // ctx = &sum
            Mov64Imm(R4, 0),
            CallHelper(BpfUserRingbufDrain),
            Mov64Reg(R7, R0),
            .. LoadMapValue(R1, result.Handle.Fd),
            LoadDw(R2, R10, -8),
            StoreDw(R1, 0, R2),
            StoreDw(R1, 8, R7),
            Mov64Imm(R0, 0),
            Exit(),
        ];
        BpfInstruction[] callback =
        [
            Mov64Reg(R6, R2),                               // r6 = ctx (&sum in the caller's frame)
            Mov64Reg(R3, R1),                               // src = the sample's dynptr
            Mov64Reg(R1, R10), Add64Imm(R1, -8),            // dst
            Mov64Imm(R2, 8),                                // len
            Mov64Imm(R4, 0), Mov64Imm(R5, 0),               // offset, flags
            CallHelper(BpfDynptrRead),
            JumpIfNotEqual(R0, 0, 4),                       // a sample shorter than 8 bytes adds nothing
            LoadDw(R1, R10, -8),
            LoadDw(R2, R6, 0),
            Add64Reg(R2, R1),
            StoreDw(R6, 0, R2),
            Mov64Imm(R0, 0),                                // 0: keep draining
            Exit(),
        ];
        var functionSlot = 3; // the ld_imm64 after StoreDwImm and the two slots of LoadMapFd
        main[functionSlot].Immediate = main.Length - (functionSlot + 1);
        using var btf = FuncBtf.Load(("drain", 0, false, 1), ("add_first_u64", main.Length, true, 2));
        var spec = Spec("user_rb_drain", BpfProgType.SYSCALL, [.. main, .. callback]) with
        {
            FuncInfo = btf.FuncInfo,
            FuncInfoRecordSize = 8,
        };
        return Program.Load(spec, new ProgramLoadOptions { Btf = btf.Handle });
    }

    /// <summary>Runs a SYSCALL producer once with <paramref name="context"/>; returns its return value.</summary>
    internal static int Run(this Program program, ReadOnlySpan<byte> context) => (int)program.TestRun(contextIn: context).ReturnValue;

    /// <summary>Runs a raw tracepoint producer on <paramref name="cpu"/> with <c>args[0] = seq</c>.</summary>
    internal static int RunOnCpu(this Program program, int cpu, ulong seq)
    {
        Span<ulong> args = [seq, 0];
        return (int)program.TestRun(contextIn: System.Runtime.InteropServices.MemoryMarshal.AsBytes(args), flags: TestRunFlags.RunOnCpu, cpu: (uint)cpu).ReturnValue;
    }
}
