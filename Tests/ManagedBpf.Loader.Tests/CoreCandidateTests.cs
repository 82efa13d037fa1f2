using ManagedBpf.Loader.Btf;
using ManagedBpf.Loader.Core;
using ManagedBpf.Loader.Tests.CoreSupport;
using static ManagedBpf.Loader.Tests.CoreSupport.CoreMembers;
using Kind = ManagedBpf.Loader.Btf.BpfCoreReloKind;

namespace ManagedBpf.Loader.Tests;

/// <summary>
/// Candidate search and agreement: every target type with the local type's essential name and kind is tried; all that
/// match must agree; matching prunes the cached candidates (as libbpf does); module BTFs are searched only when vmlinux
/// has no candidate.
/// </summary>
public sealed class CoreCandidateTests
{
    /// <summary>Local: [2] struct foo { int a; int b; }.</summary>
    private static BtfSpec Local()
    {
        var b = new CoreBtfBuilder();
        var i = b.Int("int", 4, signed: true);
        b.Struct("foo", 8, M("a", i, 0), M("b", i, 32));
        return b.Build();
    }

    /// <summary>Target with two flavors of foo: [2] foo { int a; int b; }, [3] foo___2 with a and b at the given bit offsets.</summary>
    private static BtfSpec TwoFlavors(uint aOffset, uint bOffset, bool secondHasA = true)
    {
        var b = new CoreBtfBuilder();
        var i = b.Int("int", 4, signed: true);
        b.Struct("foo", 8, M("a", i, 0), M("b", i, 32));
        b.Struct("foo___2", 16, secondHasA ? [M("a", i, aOffset), M("b", i, bOffset)] : [M("b", i, bOffset)]);
        return b.Build();
    }

    [Fact]
    public void CandidatesThatAgreeAreFineAndTheFirstIsReported()
    {
        var result = CoreScenario.OnAlu(Local(), TwoFlavors(0, 32), 2, Kind.FIELD_BYTE_OFFSET, "0:1", 4);

        Assert.Equal((4ul, 2u), (result.TargetValue, result.TargetTypeId!.Value));
    }

    [Fact]
    public void CandidatesWithTheFieldAtDifferentOffsetsAreAnAmbiguity()
    {
        var ex = CoreScenario.Fails(Local(), TwoFlavors(0, 64), CoreInsn.Relo(0, 2, Kind.FIELD_BYTE_OFFSET, "0:1"), CoreInsn.Alu(4));

        Assert.Contains("field offset ambiguity", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[3] struct foo___2.b (0:1 @ offset 8)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CandidatesThatGiveDifferentValuesAreAnAmbiguity()
    {
        var b = new CoreBtfBuilder();
        var i = b.Int("int", 4, signed: true);
        var l = b.Int("long", 8, signed: true);
        b.Struct("foo", 8, M("a", i, 0), M("b", i, 32));
        b.Struct("foo___2", 16, M("a", i, 0), M("b", l, 32));

        var ex = CoreScenario.Fails(Local(), b.Build(), CoreInsn.Relo(0, 2, Kind.FIELD_BYTE_SIZE, "0:1"), CoreInsn.Alu(4));

        Assert.Contains("relocation decision ambiguity", ex.Message, StringComparison.Ordinal);
        Assert.Contains("gives success 8", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoCompatibleTypesGiveAmbiguousTargetIds()
    {
        var ex = CoreScenario.Fails(Local(), TwoFlavors(0, 32), CoreInsn.Relo(0, 2, Kind.TYPE_ID_TARGET, "0"), CoreInsn.LdImm64(2));

        Assert.Contains("relocation decision ambiguity", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMatchPrunesTheCachedCandidatesForLaterRelocations()
    {
        // foo lacks c; foo___2 has c, and b at another offset than foo. The first relocation (c) matches only foo___2,
        // which then is foo's only candidate, so b resolves to foo___2's offset instead of being ambiguous.
        var lb = new CoreBtfBuilder();
        var li = lb.Int("int", 4, signed: true);
        lb.Struct("foo", 12, M("a", li, 0), M("b", li, 32), M("c", li, 64));
        var local = lb.Build();
        var tb = new CoreBtfBuilder();
        var ti = tb.Int("int", 4, signed: true);
        tb.Struct("foo", 8, M("a", ti, 0), M("b", ti, 32));
        tb.Struct("foo___2", 16, M("c", ti, 0), M("b", ti, 64));
        var target = tb.Build();
        BpfCoreRelo[] relos = [CoreInsn.Relo(0, 2, Kind.FIELD_BYTE_OFFSET, "0:2"), CoreInsn.Relo(1, 2, Kind.FIELD_BYTE_OFFSET, "0:1")];

        var results = new CoreRelocator(local, target).Apply(CoreScenario.Section, new[] { CoreInsn.Alu(8), CoreInsn.Alu(4) }, relos);
        Assert.Equal([0ul, 8ul], results.Select(r => r.TargetValue));

        // In the other order, b is ambiguous, as with libbpf.
        var ex = Assert.Throws<CoreRelocationException>(() =>
            new CoreRelocator(local, target).Apply(CoreScenario.Section, new[] { CoreInsn.Alu(8), CoreInsn.Alu(4) }, [relos[1], relos[0]]));
        Assert.Contains("ambiguity", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARelocationThatMatchesNothingLeavesTheCandidatesAlone()
    {
        // "gone" matches no candidate; both foo flavors stay, and b is then ambiguous between them.
        var lb = new CoreBtfBuilder();
        var li = lb.Int("int", 4, signed: true);
        lb.Struct("foo", 8, M("gone", li, 0), M("b", li, 32));
        BpfCoreRelo[] relos = [CoreInsn.Relo(0, 2, Kind.FIELD_EXISTS, "0:0"), CoreInsn.Relo(1, 2, Kind.FIELD_BYTE_OFFSET, "0:1")];

        var ex = Assert.Throws<CoreRelocationException>(() =>
            new CoreRelocator(lb.Build(), TwoFlavors(0, 64)).Apply(CoreScenario.Section, new[] { CoreInsn.Alu(1), CoreInsn.Alu(4) }, relos));

        Assert.Equal(1, ex.RelocationIndex);
        Assert.Contains("relocation #1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModuleBtfIsSearchedOnlyWhenVmlinuxHasNoCandidate()
    {
        var vb = new CoreBtfBuilder();
        var vi = vb.Int("int", 4, signed: true);
        vb.Struct("core_only", 4, M("x", vi, 0));
        var vmlinux = vb.Build();

        var mb = new CoreBtfBuilder(vmlinux);
        mb.Struct("foo", 16, M("b", vi, 96));   // [3], the module's own type over vmlinux's int
        mb.Struct("core_only", 8, M("x", vi, 32)); // shadowed: vmlinux has one
        var module = mb.Build();
        Assert.Equal(3u, module.FirstTypeId);

        var lb = new CoreBtfBuilder();
        var li = lb.Int("int", 4, signed: true);
        lb.Struct("foo", 8, M("a", li, 0), M("b", li, 32));
        lb.Struct("core_only", 4, M("x", li, 0));
        var local = lb.Build();

        var relocator = new CoreRelocator(local, vmlinux, [module]);
        var results = relocator.Apply(
            CoreScenario.Section,
            (ManagedBpf.Programs.BpfInstruction[])[CoreInsn.Alu(4), .. CoreInsn.LdImm64(2), CoreInsn.Alu(0)],
            [CoreInsn.Relo(0, 2, Kind.FIELD_BYTE_OFFSET, "0:1"), CoreInsn.Relo(1, 2, Kind.TYPE_ID_TARGET, "0"), CoreInsn.Relo(3, 3, Kind.FIELD_BYTE_OFFSET, "0:0")]);

        Assert.Equal(12ul, results[0].TargetValue);
        Assert.Same(module, results[0].TargetBtf);
        Assert.Equal(3ul, results[1].TargetValue); // a module type id continues vmlinux's
        Assert.Equal(0ul, results[2].TargetValue); // vmlinux's core_only, not the module's
        Assert.Same(vmlinux, results[2].TargetBtf);
    }

    [Fact]
    public void AModuleMustBeSplitOverTheGivenVmlinux()
    {
        var other = new CoreBtfBuilder();
        other.Int("int", 4);
        Assert.Throws<ArgumentException>(() => new CoreRelocator(Local(), Local(), [other.Build()]));
    }

    [Fact]
    public void AnEnumAndAnEnum64AreCandidatesForEachOther()
    {
        var lb = new CoreBtfBuilder();
        lb.Enum64("state", 8, false, ("RUNNING", 0));
        var tb = new CoreBtfBuilder();
        tb.Enum("state", 4, false, ("IDLE", 0), ("RUNNING", 1));

        Assert.Equal(1ul, CoreScenario.OnAlu(lb.Build(), tb.Build(), 1, Kind.ENUMVAL_VALUE, "0", 0).TargetValue);
    }

    [Fact]
    public void AnonymousLocalTypesCannotBeRelocated()
    {
        var b = new CoreBtfBuilder();
        var i = b.Int("int", 4, signed: true);
        b.Struct("", 4, M("a", i, 0));
        var local = b.Build();

        var ex = CoreScenario.Fails(local, local, CoreInsn.Relo(0, 2, Kind.FIELD_BYTE_OFFSET, "0:0"), CoreInsn.Alu(0));

        Assert.Contains("anonymous", ex.Message, StringComparison.Ordinal);
    }
}
