using ManagedBpf.Loader.Btf;
using ManagedBpf.Loader.Tests.CoreSupport;
using Kind = ManagedBpf.Loader.Btf.BpfCoreReloKind;

namespace ManagedBpf.Loader.Tests;

/// <summary>Enum-value relocations: ENUMVAL_EXISTS and ENUMVAL_VALUE, matched by enumerator name (flavor stripped).</summary>
public sealed class CoreEnumTests
{
    /// <summary>Local: [1] enum map_type___local { RINGBUF___local = 27, MINE = 4096, NEG = -1 }.</summary>
    private static BtfSpec Local()
    {
        var b = new CoreBtfBuilder();
        b.Enum("map_type___local", 4, true, ("RINGBUF___local", 27), ("MINE", 4096), ("NEG", -1));
        return b.Build();
    }

    private static BtfSpec Target(bool enum64 = false)
    {
        var b = new CoreBtfBuilder();
        b.Int("int", 4, signed: true);
        if (enum64)
        {
            b.Enum64("map_type", 8, false, ("UNSPEC", 0), ("RINGBUF", 0x1_0000_0002), ("NEG", ulong.MaxValue - 1));
        }
        else
        {
            b.Enum("map_type", 4, true, ("UNSPEC", 0), ("RINGBUF", 31), ("NEG", -2));
        }

        return b.Build();
    }

    [Fact]
    public void AnEnumeratorThatExistsIsOneAndOneThatDoesNotIsZero()
    {
        var (present, insns) = CoreScenario.Run(Local(), Target(), CoreInsn.Relo(0, 1, Kind.ENUMVAL_EXISTS, "0"), CoreInsn.LdImm64(1));
        Assert.Equal(1ul, present.TargetValue);
        Assert.Equal("[1] enum map_type___local::RINGBUF___local = 27", present.LocalSpec);
        Assert.Equal("[2] enum map_type::RINGBUF = 31", present.TargetSpec);

        var absent = CoreScenario.OnAlu(Local(), Target(), 1, Kind.ENUMVAL_EXISTS, "1", 1);
        Assert.Equal((0ul, false), (absent.TargetValue, absent.Poisoned));
    }

    [Fact]
    public void AnEnumeratorsValueIsTheTargetsValue()
    {
        var (result, insns) = CoreScenario.Run(Local(), Target(), CoreInsn.Relo(0, 1, Kind.ENUMVAL_VALUE, "0"), CoreInsn.LdImm64(27));

        Assert.Equal((27ul, 31ul), (result.LocalValue, result.TargetValue));
        Assert.Equal(31ul, CoreInsn.Imm64(insns, 0));
    }

    [Fact]
    public void A64BitEnumeratorFillsBothHalvesOfTheImmediate()
    {
        var (result, insns) = CoreScenario.Run(Local(), Target(enum64: true), CoreInsn.Relo(0, 1, Kind.ENUMVAL_VALUE, "0"), CoreInsn.LdImm64(27));

        Assert.Equal(0x1_0000_0002ul, result.TargetValue);
        Assert.Equal((2, 1), (insns[0].Immediate, insns[1].Immediate));
        Assert.Equal("[2] enum64 map_type::RINGBUF = 4294967298", result.TargetSpec);
    }

    [Fact]
    public void ThirtyTwoBitValuesAreSignExtendedAsLibbpfDoes()
    {
        // The local -1 is 0xffffffffffffffff: an ALU immediate of -1 validates; the target's -2 is written back as -2.
        var alu = CoreScenario.OnAlu(Local(), Target(), 1, Kind.ENUMVAL_VALUE, "2", -1);
        Assert.Equal((ulong.MaxValue, ulong.MaxValue - 1), (alu.LocalValue, alu.TargetValue));

        var (_, insns) = CoreScenario.Run(Local(), Target(), CoreInsn.Relo(0, 1, Kind.ENUMVAL_VALUE, "2"), CoreInsn.LdImm64(ulong.MaxValue));
        Assert.Equal(ulong.MaxValue - 1, CoreInsn.Imm64(insns, 0));
    }

    [Fact]
    public void AMissingEnumeratorsValuePoisonsBothHalves()
    {
        var (result, insns) = CoreScenario.Run(Local(), Target(), CoreInsn.Relo(0, 1, Kind.ENUMVAL_VALUE, "1"), [.. CoreInsn.LdImm64(4096), CoreInsn.Exit]);

        Assert.True(result.Poisoned);
        Assert.Equal("no candidate in the target has this enumerator", result.PoisonReason);
        Assert.Equal([CoreInsn.Poison, CoreInsn.Poison, CoreInsn.Exit], insns);
    }

    [Fact]
    public void AnEnumBehindATypedefIsFoundAndATypedefTargetWorksToo()
    {
        var lb = new CoreBtfBuilder();
        var e = lb.Enum("", 4, false, ("A___x", 1));
        var td = lb.Typedef("mode_t", e);
        var tb = new CoreBtfBuilder();
        tb.Typedef("mode_t", tb.Enum("", 4, false, ("B", 0), ("A", 2)));

        var result = CoreScenario.OnAlu(lb.Build(), tb.Build(), td, Kind.ENUMVAL_VALUE, "0", 1);

        Assert.Equal((1ul, 2ul), (result.LocalValue, result.TargetValue));
    }

    [Fact]
    public void AnEnumeratorIndexOutOfRangeOrANonEnumRootIsAnError()
    {
        CoreScenario.Fails(Local(), Target(), CoreInsn.Relo(0, 1, Kind.ENUMVAL_VALUE, "3"), CoreInsn.Alu(0));
        CoreScenario.Fails(Local(), Target(), CoreInsn.Relo(0, 1, Kind.ENUMVAL_VALUE, "0:0"), CoreInsn.Alu(0));

        var b = new CoreBtfBuilder();
        b.Struct("s", 0);
        var local = b.Build();
        var ex = CoreScenario.Fails(local, local, CoreInsn.Relo(0, 1, Kind.ENUMVAL_EXISTS, "0"), CoreInsn.Alu(0));
        Assert.Contains("is not an enum", ex.Message, StringComparison.Ordinal);
    }
}
