using System.Collections.Immutable;
using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using ManagedBpf.Loader.Btf;
using ManagedBpf.Loader.Core;
using ManagedBpf.Loader.Tests.CoreSupport;
using ManagedBpf.Programs;
using static ManagedBpf.Loader.Tests.CoreSupport.CoreMembers;
using Kind = ManagedBpf.Loader.Btf.BpfCoreReloKind;

namespace ManagedBpf.Loader.Tests;

/// <summary>
/// Relocations that contradict the local BTF, and BTF graphs built to hang or overflow a naive walk: every one ends
/// in a <see cref="CoreRelocationException"/>, promptly.
/// </summary>
public sealed class CoreMalformedTests
{
    /// <summary>Local: [1] int, [2] int[4], [3] struct foo { int a; int arr[4]; } (20 bytes).</summary>
    private static BtfSpec Local()
    {
        var b = new CoreBtfBuilder();
        var i = b.Int("int", 4, signed: true);
        var arr = b.Array(i, 4, i);
        b.Struct("foo", 20, M("a", i, 0), M("arr", arr, 32));
        return b.Build();
    }

    [Theory]
    [InlineData("0:2", "member 2 of [3] struct foo, which has 2")]
    [InlineData("0:1:4", "element 4 of an array of 4")]
    [InlineData("0:0:0", "steps into [1] int int, which is neither a struct, a union nor an array")]
    [InlineData("2147483647:0", "exceeds 32 bits")]
    public void AnAccessStringThatDoesNotWalkTheLocalBtfIsRejected(string access, string problem)
    {
        var ex = CoreScenario.Fails(Local(), Local(), CoreInsn.Relo(0, 3, Kind.FIELD_BYTE_OFFSET, access), CoreInsn.Alu(0));

        Assert.Contains(problem, ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void HandBuiltRecordsWithImpossibleFieldsAreRejected()
    {
        var local = Local();
        BpfCoreRelo Raw(uint typeId, Kind kind, string access, params int[] accessors) => new(0, typeId, 0, kind, access, [.. accessors]);

        Assert.Contains("empty or malformed", CoreScenario.Fails(local, local, Raw(3, Kind.FIELD_BYTE_OFFSET, "", 0), CoreInsn.Alu(0)).Problem, StringComparison.Ordinal);
        Assert.Contains("no accessors", CoreScenario.Fails(local, local, Raw(3, Kind.FIELD_BYTE_OFFSET, "x"), CoreInsn.Alu(0)).Problem, StringComparison.Ordinal);
        Assert.Contains("negative accessor", CoreScenario.Fails(local, local, Raw(3, Kind.FIELD_BYTE_OFFSET, "0:-1", 0, -1), CoreInsn.Alu(0)).Problem, StringComparison.Ordinal);
        Assert.Contains("more than 64", CoreScenario.Fails(local, local, Raw(3, Kind.FIELD_BYTE_OFFSET, "0", new int[65]), CoreInsn.Alu(0)).Problem, StringComparison.Ordinal);
        Assert.Contains("unrecognized CO-RE relocation kind 13", CoreScenario.Fails(local, local, Raw(3, (Kind)13, "0", 0), CoreInsn.Alu(0)).Problem, StringComparison.Ordinal);
        Assert.Contains("type id 99", CoreScenario.Fails(local, local, Raw(99, Kind.TYPE_EXISTS, "0", 0), CoreInsn.Alu(0)).Problem, StringComparison.Ordinal);
        Assert.Contains("empty or malformed", CoreScenario.Fails(local, local, default, CoreInsn.Alu(0)).Problem, StringComparison.Ordinal);
        Assert.Contains("[0] void has no size", CoreScenario.Fails(local, local, Raw(0, Kind.FIELD_BYTE_OFFSET, "0", 0), CoreInsn.Alu(0)).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ATypedefCycleInTheLocalBtfIsReportedWithTheFormatError()
    {
        var b = new CoreBtfBuilder();
        b.Typedef("loop", 1);
        var local = b.Build();

        var ex = CoreScenario.Fails(local, local, CoreInsn.Relo(0, 1, Kind.FIELD_BYTE_OFFSET, "0:0"), CoreInsn.Alu(0));

        Assert.IsType<BpfObjectFormatException>(ex.InnerException);
    }

    [Fact]
    public void ATypedefCycleInTheTargetBtfIsReportedWithTheFormatError()
    {
        var tb = new CoreBtfBuilder();
        var loop = tb.Typedef("loop_t", tb.NextId);
        tb.Struct("foo", 4, M("a", loop, 0));

        var ex = CoreScenario.Fails(Local(), tb.Build(), CoreInsn.Relo(0, 3, Kind.FIELD_BYTE_OFFSET, "0:0"), CoreInsn.Alu(0));

        Assert.IsType<BpfObjectFormatException>(ex.InnerException);
    }

    [Fact]
    public void AnonymousMembersNestedDeeperThanTheSpecLimitAreAnError()
    {
        // struct foo { struct { struct { ... 70 deep ... }; }; } and no "a" anywhere.
        var tb = new CoreBtfBuilder();
        var i = tb.Int("int", 4, signed: true);
        var inner = tb.Struct("", 4, M("zzz", i, 0));
        for (var depth = 0; depth < 70; depth++)
        {
            inner = tb.Struct("", 4, M("", inner, 0));
        }

        tb.Struct("foo", 4, M("", inner, 0));

        var ex = CoreScenario.Fails(Local(), tb.Build(), CoreInsn.Relo(0, 3, Kind.FIELD_EXISTS, "0:0"), CoreInsn.Alu(1));

        Assert.Contains("longer than 64", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void AnExponentialFanOutOfAnonymousMembersIsCutOffQuickly()
    {
        // Each level has two anonymous members of the next: 2^40 paths to search for a name that is not there.
        var tb = new CoreBtfBuilder();
        var i = tb.Int("int", 4, signed: true);
        var level = tb.Struct("", 4, M("zzz", i, 0));
        for (var depth = 0; depth < 40; depth++)
        {
            level = tb.Union("", 4, M("", level, 0), M("", level, 0));
        }

        tb.Struct("foo", 4, M("", level, 0));
        var stopwatch = Stopwatch.StartNew();

        var ex = CoreScenario.Fails(Local(), tb.Build(), CoreInsn.Relo(0, 3, Kind.FIELD_EXISTS, "0:0"), CoreInsn.Alu(1));

        Assert.Contains("exceeded", ex.Problem, StringComparison.Ordinal);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public void AnExponentialTypeMatchIsCutOffQuickly()
    {
        // struct s0 { struct s1 a; struct s1 b; } ... 30 deep on both sides: TYPE_MATCHES would compare 2^30 member pairs.
        BtfSpec Build()
        {
            var b = new CoreBtfBuilder();
            var level = b.Int("int", 4, signed: true);
            for (var depth = 30; depth > 0; depth--)
            {
                level = b.Struct($"s{depth}", 8, M("a", level, 0), M("b", level, 32));
            }

            b.Struct("s0", 8, M("a", level, 0), M("b", level, 32));
            return b.Build();
        }

        var local = Build();
        var stopwatch = Stopwatch.StartNew();

        var ex = CoreScenario.Fails(local, Build(), CoreInsn.Relo(0, local.TypeCount - 1, Kind.TYPE_MATCHES, "0"), CoreInsn.Alu(1));

        Assert.Contains("exceeded", ex.Problem, StringComparison.Ordinal);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public void TypeMatchingDeeperThanLibbpfsLevelIsAnError()
    {
        BtfSpec Build()
        {
            var b = new CoreBtfBuilder();
            var level = b.Int("int", 4, signed: true);
            for (var depth = 40; depth > 0; depth--)
            {
                level = b.Struct($"s{depth}", 4, M("a", level, 0));
            }

            b.Struct("s0", 4, M("a", level, 0));
            return b.Build();
        }

        var local = Build();

        var ex = CoreScenario.Fails(local, Build(), CoreInsn.Relo(0, local.TypeCount - 1, Kind.TYPE_MATCHES, "0"), CoreInsn.Alu(1));

        Assert.Contains("nested more than 32 deep", ex.Problem, StringComparison.Ordinal);
    }

    /// <summary>A richer local/target pair for random relocations: nesting, arrays, bitfields, enums, typedefs, flavors.</summary>
    private static (BtfSpec Local, BtfSpec Target) RichPair()
    {
        BtfSpec Build(bool target)
        {
            var b = new CoreBtfBuilder();
            var i = b.Int("int", 4, signed: true);
            var u = b.Int("unsigned int", target ? 8u : 4u);
            var e = target ? b.Enum64("e", 8, true, ("B", 2), ("A", 1)) : b.Enum("e", 4, false, ("A", 1), ("B___x", 2), ("C", 3));
            var inner = b.Struct("inner", target ? 16u : 8u, M("x", i, target ? 64u : 0u), M("y", u, target ? 0u : 32u));
            var arr = b.Array(inner, target ? 2u : 3u, i);
            var flex = b.Array(i, 0, i);
            var anon = b.Union("", 4, M("p", i, 0), M("q", u, 0));
            var td = b.Typedef("inner_t", b.Const(inner));
            b.Struct(
                target ? "foo" : "foo___flavor",
                64,
                M("a", i, 0, target ? (byte)0 : (byte)7),
                M("bits", u, 7, 9),
                M("e", e, 32),
                M("", anon, 64),
                M("arr", arr, 128),
                M("td", td, target ? 256u : 320u),
                M("ptr", b.Ptr(inner), 448),
                M("flex", flex, 512));
            b.Fwd("foo");
            return b.Build();
        }

        return (Build(false), Build(true));
    }

    [Fact]
    public void RandomRelocationsEitherApplyOrFailWithCoreRelocationException()
    {
        var (local, target) = RichPair();
        var opcodes = new byte[] { CoreInsn.AluAddK, CoreInsn.MovK, CoreInsn.AluAddX, CoreInsn.LdxW, CoreInsn.LdxB, CoreInsn.StW, CoreInsn.StxDw, CoreInsn.Ja, BpfInstruction.LoadImm64, 0x00 };
        var gen =
            from kind in Gen.Choose(0, 13)
            from typeId in Gen.Choose(0, (int)local.TypeCount + 1)
            from accessors in Gen.Choose(0, 9).ArrayOf()
            from opcode in Gen.Elements(opcodes)
            from imm in Gen.Elements(0, 1, 4, 8, -1, 59, int.MaxValue)
            from off in Gen.Elements<short>(0, 4, 8, -1)
            select (kind, typeId, accessors, opcode, imm, off);

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), Prop.ForAll(Arb.From(gen), c =>
        {
            var access = c.accessors.Length == 0 ? "0" : string.Join(':', c.accessors);
            var relo = new BpfCoreRelo(0, (uint)c.typeId, 0, (Kind)c.kind, access, [.. c.accessors.DefaultIfEmpty(0)]);
            BpfInstruction[] insns = [new(c.opcode, 1, 0, c.off, c.imm), new(0, 0, 0, 0, 0)];
            try
            {
                new CoreRelocator(local, target).Apply("s", insns, [relo]);
            }
            catch (CoreRelocationException)
            {
                // The one expected failure.
            }
        }));
    }
}
