using ManagedBpf.Kernel;
using ManagedBpf.TestSupport;
using ManagedBpf.Tests.Shared;

namespace ManagedBpf.Loader.Tests;

/// <summary>
/// A program in a section no table row matches opens with no type and fails the load, as libbpf's "missing BPF
/// prog type, check ELF section name", unless it is not to be loaded (<c>?</c> section, autoload turned off) or
/// its type was set. Objects are built in memory; only a load that reaches the kernel needs it.
/// </summary>
[Collection(DescriptorCounting.Collection)]
public sealed class UnknownSectionLoadTests
{
    // No maps, no BTF and nothing left to load: such a load makes no system call.
    private static readonly CollectionOptions NoKernel = new() { BtfFeatures = BtfFeatures.All };

    [Fact]
    public void Opening_keeps_the_program_with_no_type_and_autoload_on()
    {
        var program = ObjectSpec.Parse(ProgramObjectImage.Build((".xdp", "xdp_prog"))).Program("xdp_prog");
        Assert.Null(program.Section);
        Assert.Equal(BpfProgType.UNSPEC, program.Type);
        Assert.True(program.Autoload);
    }

    [Fact]
    public void Loading_fails_naming_the_section_and_the_nearest_known_names()
    {
        var spec = ObjectSpec.Parse(ProgramObjectImage.Build((".xdp", "xdp_prog")));
        var e = Assert.Throws<BpfObjectFormatException>(() => spec.Load(NoKernel));
        Assert.Equal("Program 'xdp_prog' is in section '.xdp', which names no program type: did you mean 'xdp'? (nearest known: xdp, xdp.frags, xdp/devmap).", e.Message);
    }

    [Fact]
    public void A_section_far_from_every_known_name_gets_no_guess()
    {
        var spec = ObjectSpec.Parse(ProgramObjectImage.Build(("my_probe", "handler")));
        var e = Assert.Throws<BpfObjectFormatException>(() => spec.Load(NoKernel));
        Assert.StartsWith("Program 'handler' is in section 'my_probe', which names no program type (nearest known: ", e.Message);
        Assert.DoesNotContain("did you mean", e.Message);
    }

    [Fact]
    public void A_question_mark_section_is_skipped_without_error()
    {
        var spec = ObjectSpec.Parse(ProgramObjectImage.Build(("?.xdp", "maybe")));
        Assert.False(spec.Program("maybe").Autoload);
        using var collection = spec.Load(NoKernel);
        Assert.Empty(collection.Programs);
    }

    [Fact]
    public void Turning_autoload_off_skips_it_without_error()
    {
        var spec = ObjectSpec.Parse(ProgramObjectImage.Build(("socket/type_ids", "filter")));
        spec.Program("filter").Autoload = false;
        using var collection = spec.Load(NoKernel);
        Assert.Empty(collection.Programs);
    }

    [KernelFact]
    public void The_load_fails_before_a_known_program_beside_it_loads()
    {
        var image = ProgramObjectImage.Build(("socket", "known"), ("socket/type_ids", "unknown"));
        var baseline = LoadAttempt.Baseline();
        var thrown = LoadAttempt.Run(image, new CollectionOptions());
        Assert.Equal(baseline, LoadAttempt.OpenNow());
        Assert.Contains("Program 'unknown' is in section 'socket/type_ids', which names no program type: did you mean 'socket'?", Assert.IsType<BpfObjectFormatException>(thrown).Message);
    }

    [KernelFact]
    public void Setting_its_type_loads_it()
    {
        var spec = ObjectSpec.Parse(ProgramObjectImage.Build((".xdp", "xdp_prog")));
        spec.Program("xdp_prog").Type = BpfProgType.XDP;
        using var collection = spec.Load();
        Assert.Equal(BpfProgType.XDP, collection.Programs["xdp_prog"].Type);
    }
}
