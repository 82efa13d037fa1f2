using ManagedBpf.Loader.Btf;
using ManagedBpf.Loader.Tests.CoreSupport;
using static ManagedBpf.Loader.Tests.CoreSupport.CoreMembers;
using Kind = ManagedBpf.Loader.Btf.BpfCoreReloKind;

namespace ManagedBpf.Loader.Tests;

/// <summary>Type-based relocations: TYPE_EXISTS, TYPE_SIZE, TYPE_ID_LOCAL, TYPE_ID_TARGET and TYPE_MATCHES.</summary>
public sealed class CoreTypeTests
{
    /// <summary>Local: [1] int, [2] struct foo { int a; }, [3] typedef int pid_t, [4] struct foo___gone.</summary>
    private static BtfSpec Local()
    {
        var b = new CoreBtfBuilder();
        var i = b.Int("int", 4, signed: true);
        b.Struct("foo", 4, M("a", i, 0));
        b.Typedef("pid_t", i);
        b.Struct("gone", 4, M("a", i, 0));
        return b.Build();
    }

    /// <summary>Target: [1] long, [2] int, [3] struct foo { long x; int a; } (16 bytes), [4] typedef long pid_t.</summary>
    private static BtfSpec Target()
    {
        var b = new CoreBtfBuilder();
        var l = b.Int("long", 8, signed: true);
        var i = b.Int("int", 4, signed: true);
        b.Struct("foo", 16, M("x", l, 0), M("a", i, 64));
        b.Typedef("pid_t", l);
        return b.Build();
    }

    [Fact]
    public void ATypeThatExistsIsOneAndOneThatDoesNotIsZero()
    {
        Assert.Equal(1ul, CoreScenario.OnAlu(Local(), Target(), 2, Kind.TYPE_EXISTS, "0", 1).TargetValue);
        var gone = CoreScenario.OnAlu(Local(), Target(), 4, Kind.TYPE_EXISTS, "0", 1);
        Assert.Equal((0ul, false), (gone.TargetValue, gone.Poisoned));
        Assert.Contains("=> no match: 1 -> 0", gone.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void TypeSizeFollowsTheTargetThroughTypedefs()
    {
        Assert.Equal((4ul, 16ul), Values(CoreScenario.OnAlu(Local(), Target(), 2, Kind.TYPE_SIZE, "0", 4)));
        Assert.Equal((4ul, 8ul), Values(CoreScenario.OnAlu(Local(), Target(), 3, Kind.TYPE_SIZE, "0", 4)));
    }

    [Fact]
    public void TypeSizeAndTargetIdOfAMissingTypeAreZeroNotPoison()
    {
        // libbpf's bpf_core_calc_type_relo: "type-based relos return zero when target type is not found".
        var size = CoreScenario.OnAlu(Local(), Target(), 4, Kind.TYPE_SIZE, "0", 4);
        Assert.Equal((0ul, false), (size.TargetValue, size.Poisoned));

        var (id, insns) = CoreScenario.Run(Local(), Target(), CoreInsn.Relo(0, 4, Kind.TYPE_ID_TARGET, "0"), CoreInsn.LdImm64(4));
        Assert.Equal((0ul, false), (id.TargetValue, id.Poisoned));
        Assert.Equal(0ul, CoreInsn.Imm64(insns, 0));
    }

    [Fact]
    public void TargetTypeIdIsTheCandidatesIdAndIsNotValidated()
    {
        // The instruction's local id may have moved when objects were linked, so any value is accepted.
        var (result, insns) = CoreScenario.Run(Local(), Target(), CoreInsn.Relo(0, 2, Kind.TYPE_ID_TARGET, "0"), CoreInsn.LdImm64(77));

        Assert.Equal((2ul, 3ul, 77ul, false), (result.LocalValue, result.TargetValue, result.InstructionValue!.Value, result.Validated));
        Assert.Equal(3ul, CoreInsn.Imm64(insns, 0));
    }

    [Fact]
    public void LocalTypeIdIsTheLocalIdWithoutAnyTarget()
    {
        var b = new CoreBtfBuilder();
        b.Int("int", 4, signed: true);
        var anon = b.Struct("", 0); // anonymous types are fine: no candidate search
        var local = b.Build();

        var (result, insns) = CoreScenario.Run(local, Target(), CoreInsn.Relo(0, anon, Kind.TYPE_ID_LOCAL, "0"), CoreInsn.LdImm64(5));

        Assert.Equal((2ul, 2ul), Values(result));
        Assert.Null(result.TargetTypeId);
        Assert.Equal(2ul, CoreInsn.Imm64(insns, 0));
        Assert.EndsWith("=> local: 5 -> 2", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void AStructDoesNotStandInForAUnionOfTheSameName()
    {
        var b = new CoreBtfBuilder();
        var i = b.Int("int", 4, signed: true);
        b.Union("foo", 4, M("a", i, 0));

        Assert.Equal(0ul, CoreScenario.OnAlu(Local(), b.Build(), 2, Kind.TYPE_EXISTS, "0", 1).TargetValue);
    }

    [Fact]
    public void TypeCompatibilityFollowsPointersArraysAndPrototypes()
    {
        // Local typedefs: handler_t = int (*)(struct foo *, long); table_t = char *[4]; bits_t = legacy bitfield int.
        var lb = new CoreBtfBuilder();
        var li = lb.Int("int", 4, signed: true);
        var ll = lb.Int("long", 8, signed: true);
        var lc = lb.Int("char", 1, signed: true);
        var lfoo = lb.Struct("foo", 4, M("a", li, 0));
        var handler = lb.Typedef("handler_t", lb.Ptr(lb.FuncProto(li, lb.Ptr(lfoo), ll)));
        var table = lb.Typedef("table_t", lb.Array(lb.Ptr(lc), 4, li));
        var variadic = lb.Typedef("two_args_t", lb.Ptr(lb.FuncProto(li, li, li)));
        var local = lb.Build();

        var tb = new CoreBtfBuilder();
        var ti = tb.Int("int", 4, signed: true);
        var tu = tb.Int("unsigned long", 8);
        var tc = tb.Int("unsigned char", 1);
        var tfoo = tb.Union("foo", 4, M("a", ti, 0)); // struct vs union behind a pointer: kind-compatible (composites)
        tb.Typedef("handler_t", tb.Ptr(tb.FuncProto(tu, tb.Ptr(tfoo), tb.Const(tu))));
        tb.Typedef("table_t", tb.Array(tb.Ptr(tc), 16, ti));
        tb.Typedef("two_args_t", tb.Ptr(tb.FuncProto(ti, ti)));
        var target = tb.Build();

        Assert.Equal(0ul, CoreScenario.OnAlu(local, target, handler, Kind.TYPE_EXISTS, "0", 1).TargetValue); // struct* vs union*
        Assert.Equal(1ul, CoreScenario.OnAlu(local, target, table, Kind.TYPE_EXISTS, "0", 1).TargetValue);  // array lengths ignored
        Assert.Equal(0ul, CoreScenario.OnAlu(local, target, variadic, Kind.TYPE_EXISTS, "0", 1).TargetValue); // parameter count differs
    }

    [Fact]
    public void PrototypesWithCompatibleParametersAreCompatible()
    {
        var lb = new CoreBtfBuilder();
        var li = lb.Int("int", 4, signed: true);
        var lfoo = lb.Struct("foo", 4, M("a", li, 0));
        var handler = lb.Typedef("handler_t", lb.Ptr(lb.FuncProto(li, lb.Ptr(lfoo), li)));
        var tb = new CoreBtfBuilder();
        var tl = tb.Int("long", 8, signed: true);
        var tfoo = tb.Struct("foo", 8, M("b", tl, 0));
        tb.Typedef("handler_t", tb.Ptr(tb.FuncProto(tl, tb.Ptr(tfoo), tb.Typedef("s64", tl))));

        Assert.Equal(1ul, CoreScenario.OnAlu(lb.Build(), tb.Build(), handler, Kind.TYPE_EXISTS, "0", 1).TargetValue);
    }

    [Fact]
    public void TypeMatchesIsStricterThanTypeExists()
    {
        // Local: struct foo { int a; struct bar *b; enum e c; }, struct bar (only behind a pointer), enum e { X, Y }.
        var lb = new CoreBtfBuilder();
        var li = lb.Int("int", 4, signed: true);
        var lbar = lb.Struct("bar", 4, M("z", li, 0));
        var le = lb.Enum("e", 4, false, ("X", 0), ("Y___v2", 1));
        var lfoo = lb.Struct("foo", 16, M("a", li, 0), M("b", lb.Ptr(lbar), 64), M("c", le, 32));
        var local = lb.Build();

        BtfSpec Target(string aType = "int", bool barIsFwd = false, bool dropY = false, uint enumSize = 4, bool extraMember = false)
        {
            var tb = new CoreBtfBuilder();
            var ti = tb.Int("int", 4, signed: true);
            var ta = aType == "int" ? ti : tb.Int(aType, aType == "long" ? 8u : 4u, signed: aType != "unsigned int");
            var tbar = barIsFwd ? tb.Fwd("bar") : tb.Struct("bar", 8, M("totally_different", ti, 0));
            var te = dropY ? tb.Enum("e", enumSize, false, ("X", 5)) : tb.Enum64("e", enumSize, false, ("W", 0), ("Y", 9), ("X", 7));
            var members = new List<(string, uint, uint, byte)> { M("c", te, 0), M("b", tb.Ptr(tbar), 64), M("a", ta, 128) };
            if (extraMember)
            {
                members.Insert(0, M("new", ti, 192));
            }

            tb.Struct("foo", 32, [.. members]);
            return tb.Build();
        }

        ulong Matches(BtfSpec target) => CoreScenario.OnAlu(local, target, lfoo, Kind.TYPE_MATCHES, "0", 1).TargetValue;

        Assert.Equal(1ul, Matches(Target()));                      // members reordered, pointee layout ignored, enum64 with more values
        Assert.Equal(1ul, Matches(Target(barIsFwd: true)));        // a struct behind a pointer matches a forward declaration
        Assert.Equal(1ul, Matches(Target(extraMember: true)));     // the target may have more members
        Assert.Equal(0ul, Matches(Target(aType: "long")));         // int size differs
        Assert.Equal(0ul, Matches(Target(aType: "unsigned int"))); // int signedness differs
        Assert.Equal(0ul, Matches(Target(dropY: true)));           // a local enumerator is missing
        Assert.Equal(0ul, Matches(Target(enumSize: 8)));           // enum size differs

        // TYPE_EXISTS accepts all of these: any struct named foo will do.
        Assert.Equal(1ul, CoreScenario.OnAlu(local, Target(aType: "long"), lfoo, Kind.TYPE_EXISTS, "0", 1).TargetValue);
    }

    [Fact]
    public void TypeMatchesComparesArrayLengthsAndForwardFlavors()
    {
        var lb = new CoreBtfBuilder();
        var li = lb.Int("int", 4, signed: true);
        var larr = lb.Typedef("arr_t", lb.Array(li, 4, li));
        var lfwd = lb.Typedef("fwd_t", lb.Ptr(lb.Fwd("opaque", union: true)));
        var local = lb.Build();

        BtfSpec Target(uint length, bool opaqueIsStruct)
        {
            var tb = new CoreBtfBuilder();
            var ti = tb.Int("int", 4, signed: true);
            tb.Typedef("arr_t", tb.Array(ti, length, ti));
            var opaque = opaqueIsStruct ? tb.Struct("opaque", 4, M("x", ti, 0)) : tb.Union("opaque", 4, M("x", ti, 0));
            tb.Typedef("fwd_t", tb.Ptr(opaque));
            return tb.Build();
        }

        Assert.Equal(1ul, CoreScenario.OnAlu(local, Target(4, false), larr, Kind.TYPE_MATCHES, "0", 1).TargetValue);
        Assert.Equal(0ul, CoreScenario.OnAlu(local, Target(5, false), larr, Kind.TYPE_MATCHES, "0", 1).TargetValue);
        Assert.Equal(1ul, CoreScenario.OnAlu(local, Target(4, false), lfwd, Kind.TYPE_MATCHES, "0", 1).TargetValue);
        Assert.Equal(0ul, CoreScenario.OnAlu(local, Target(4, true), lfwd, Kind.TYPE_MATCHES, "0", 1).TargetValue);
    }

    [Fact]
    public void ATypeBasedAccessStringMustBeZero()
    {
        var ex = CoreScenario.Fails(Local(), Target(), CoreInsn.Relo(0, 2, Kind.TYPE_SIZE, "0:0"), CoreInsn.Alu(4));

        Assert.Contains("must be \"0\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSizeOfATypeWithoutOneIsAnError()
    {
        var b = new CoreBtfBuilder();
        b.Fwd("foo");
        var local = b.Build();

        CoreScenario.Fails(local, local, CoreInsn.Relo(0, 1, Kind.TYPE_SIZE, "0"), CoreInsn.Alu(0));
    }

    private static (ulong Local, ulong Target) Values(Core.CoreRelocationResult result) => (result.LocalValue, result.TargetValue);
}
