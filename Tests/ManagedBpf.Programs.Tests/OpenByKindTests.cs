using ManagedBpf.Kernel;
using ManagedBpf.Maps;
using ManagedBpf.TestSupport;
using static ManagedBpf.Tests.Shared.Asm;

namespace ManagedBpf.Programs.Tests;

/// <summary>
/// BPF_OBJ_GET opens whatever is pinned and BPF_OBJ_GET_INFO_BY_FD answers for any BPF object, so opening
/// the wrong kind must be caught by the descriptor's kind, and the descriptor closed.
/// </summary>
[Collection(DescriptorCounting.Collection)]
public sealed class OpenByKindTests
{
    [KernelFact]
    public void Opening_a_pinned_object_of_the_other_kind_is_refused_and_closed()
    {
        using var dir = new BpfFsDirectory();
        using var program = Program.Load(new ProgramSpec { Name = "pinned", Type = BpfProgType.XDP, Instructions = [Mov64Imm(0, 2), Exit()] });
        using var map = Map.Create(new MapSpec { Name = "m", Type = BpfMapType.ARRAY, KeySize = 4, ValueSize = 4, MaxEntries = 1 });
        program.Pin(dir["prog"]);
        map.Pin(dir["map"]);
        var before = OpenDescriptors.Count("bpf"); // BPF descriptors only: the runtime may open others meanwhile
        var asMap = Assert.Throws<ArgumentException>(() => Map.OpenPinned(dir["prog"]));
        Assert.Contains("bpf-prog", asMap.Message);
        var asProgram = Assert.Throws<ArgumentException>(() => Program.OpenPinned(dir["map"]));
        Assert.Contains("bpf-map", asProgram.Message);
        Assert.Equal(before, OpenDescriptors.Count("bpf"));
    }
}
