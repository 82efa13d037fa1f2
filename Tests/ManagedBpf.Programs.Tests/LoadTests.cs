using System.Runtime.InteropServices;
using System.Security.Cryptography;
using ManagedBpf.Kernel;
using ManagedBpf.Maps;
using ManagedBpf.TestSupport;
using static ManagedBpf.Tests.Shared.Asm;

namespace ManagedBpf.Programs.Tests;

public sealed class LoadTests
{
    [KernelFact]
    public void Loads_and_reports_id_name_type_and_the_kernels_tag()
    {
        var insns = new[] { Mov64Imm(0, 7), Exit() };
        using var program = Program.Load(Spec("seven_is_a_long_name", BpfProgType.SOCKET_FILTER, insns));
        var info = program.GetInfo();
        Assert.Equal(BpfProgType.SOCKET_FILTER, info.Type);
        Assert.Equal("seven_is_a_long", info.Name);
        Assert.NotEqual(0u, info.Id);
        Assert.Equal(16u, info.TranslatedSize);
        // bpf_prog_calc_tag: the first 8 bytes of a digest of the instructions. Kernels used SHA-1; 6.18
        // (measured here) uses SHA-256, the digest it also keeps for program signing.
        var bytes = MemoryMarshal.AsBytes(insns.AsSpan());
#pragma warning disable CA5350 // SHA-1 is what older kernels use for tags; nothing is secured by it here.
        var sha1 = Convert.ToHexStringLower(SHA1.HashData(bytes).AsSpan(0, 8));
#pragma warning restore CA5350
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 8));
        Assert.Contains(info.Tag, new[] { sha1, sha256 });
        Assert.Empty(info.MapIds);
    }

    [KernelFact]
    public void Map_references_show_in_the_info_and_the_tag_ignores_the_descriptor()
    {
        using var map = Map.Create(new MapSpec { Name = "m", Type = BpfMapType.ARRAY, KeySize = 4, ValueSize = 4, MaxEntries = 1 });
        string TagWith(int fd)
        {
            using var p = Program.Load(Spec("uses_map", BpfProgType.SOCKET_FILTER, [.. LoadMapFd(1, fd), Mov64Imm(0, 0), Exit()]));
            Assert.Equal([map.Id], p.GetInfo().MapIds);
            return p.Tag;
        }
        using var dup = Map.FromId(map.Id); // the same map under another descriptor number
        Assert.Equal(TagWith(map.Handle.Fd), TagWith(dup.Handle.Fd));
    }

    [KernelFact]
    public void A_rejected_program_carries_the_verifier_log()
    {
        // Reading r0 before writing it: the verifier says "R0 !read_ok".
        var e = Assert.Throws<BpfVerifierException>(() => Program.Load(Spec("bad", BpfProgType.SOCKET_FILTER, Exit())));
        Assert.Equal(Errno.EACCES, e.Errno);
        Assert.Contains("R0 !read_ok", e.Log);
        Assert.EndsWith(BpfVerifierException.Tail(e.Log, 24), e.Message);
        Assert.Contains("program 'bad' (SOCKET_FILTER)", e.Message);
        Assert.False(e.LogTruncated);
    }

    [KernelFact]
    public void The_log_buffer_grows_until_the_whole_log_fits()
    {
        // 3000 instructions logged at level 2 need far more than the 4 KiB the first try gives.
        var insns = new List<BpfInstruction> { Mov64Imm(0, 0) };
        for (var i = 0; i < 3000; i++)
            insns.Add(Add64Imm(0, 1));
        insns.Add(Mov64Reg(0, 2)); // r2 was never written: rejected at the very end
        insns.Add(Exit());
        var options = new ProgramLoadOptions { InitialLogSize = 4096, LogLevel = 2 };
        var e = Assert.Throws<BpfVerifierException>(() => Program.Load(Spec("long_log", BpfProgType.SOCKET_FILTER, [.. insns]), options));
        Assert.False(e.LogTruncated);
        Assert.True(e.Log.Length > 4096 * 4, $"log of {e.Log.Length} characters");
        Assert.Contains("0: (b7) r0 = 0", e.Log);          // the beginning survived
        Assert.Contains("3001: (bf) r0 = r2", e.Log);      // and so did the end
        Assert.Contains("R2 !read_ok", e.Log);
    }

    [KernelFact]
    public void A_log_larger_than_the_cap_is_marked_truncated()
    {
        var insns = new List<BpfInstruction> { Mov64Imm(0, 0) };
        for (var i = 0; i < 3000; i++)
            insns.Add(Add64Imm(0, 1));
        insns.Add(Mov64Reg(0, 2));
        insns.Add(Exit());
        var options = new ProgramLoadOptions { InitialLogSize = 4096, MaxLogSize = 8192, LogLevel = 2 };
        var e = Assert.Throws<BpfVerifierException>(() => Program.Load(Spec("capped", BpfProgType.SOCKET_FILTER, [.. insns]), options));
        Assert.True(e.LogTruncated);
        Assert.Equal(Errno.ENOSPC, e.Errno);
        Assert.Contains("(truncated)", e.Message);
    }

    [KernelFact]
    public void Empty_programs_are_refused_before_the_kernel()
    {
        var e = Assert.Throws<ArgumentException>(() => Program.Load(Spec("empty", BpfProgType.XDP)));
        Assert.Contains("no instructions", e.Message);
    }

    [KernelFact]
    public void Pinned_and_reopened_programs_are_the_same()
    {
        using var dir = new BpfFsDirectory();
        using var program = Program.Load(Spec("pinned", BpfProgType.XDP, Mov64Imm(0, 2), Exit()));
        program.Pin(dir["prog"]);
        using var reopened = Program.OpenPinned(dir["prog"]);
        Assert.Equal(program.Id, reopened.Id);
        Assert.Equal(BpfProgType.XDP, reopened.Type);
        using var byId = Program.FromId(program.Id);
        Assert.Equal(program.Tag, byId.Tag);
    }
}
