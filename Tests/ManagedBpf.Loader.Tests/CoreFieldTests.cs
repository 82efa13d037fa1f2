using ManagedBpf.Loader.Btf;
using ManagedBpf.Loader.Core;
using ManagedBpf.Loader.Tests.CoreSupport;
using static ManagedBpf.Loader.Tests.CoreSupport.CoreMembers;
using Kind = ManagedBpf.Loader.Btf.BpfCoreReloKind;

namespace ManagedBpf.Loader.Tests;

/// <summary>Field relocations (offset, size, existence, signedness) of plain members, against synthetic target BTFs.</summary>
public sealed class CoreFieldTests
{
    /// <summary>Local: [3] struct foo { int a; unsigned int b; } (8 bytes).</summary>
    private static BtfSpec Local(string name = "foo")
    {
        var b = new CoreBtfBuilder();
        var i = b.Int("int", 4, signed: true);
        var u = b.Int("unsigned int", 4);
        b.Struct(name, 8, M("a", i, 0), M("b", u, 32));
        return b.Build();
    }

    /// <summary>Target: struct foo { long pad; int a; unsigned int b; } — both fields moved by 8 bytes.</summary>
    private static BtfSpec Moved()
    {
        var b = new CoreBtfBuilder();
        var i = b.Int("int", 4, signed: true);
        var l = b.Int("long", 8, signed: true);
        var u = b.Int("unsigned int", 4);
        b.Struct("foo", 16, M("pad", l, 0), M("a", i, 64), M("b", u, 96));
        return b.Build();
    }

    [Fact]
    public void AFieldThatMovedGetsItsNewOffsetInAnAluImmediate()
    {
        var result = CoreScenario.OnAlu(Local(), Moved(), 3, Kind.FIELD_BYTE_OFFSET, "0:1", 4);

        Assert.Equal((4ul, 12ul, 4ul), (result.LocalValue, result.TargetValue, result.InstructionValue!.Value));
        Assert.False(result.Poisoned);
        Assert.True(result.Validated);
        Assert.Equal("foo", result.LocalTypeName);
        Assert.Equal("foo", result.TargetTypeName);
        Assert.Equal(4u, result.TargetTypeId);
        Assert.Equal("[3] struct foo.b (0:1 @ offset 4)", result.LocalSpec);
        Assert.Equal("[4] struct foo.b (0:2 @ offset 12)", result.TargetSpec);
        Assert.Equal("kprobe/test insn #0 <byte_off> [3] struct foo.b (0:1 @ offset 4) => [4] struct foo.b (0:2 @ offset 12): 4 -> 12", result.Description);
    }

    [Fact]
    public void AFieldThatMovedGetsItsNewOffsetInALoad()
    {
        var (result, insns) = CoreScenario.Run(Local(), Moved(), CoreInsn.Relo(0, 3, Kind.FIELD_BYTE_OFFSET, "0:0"), CoreInsn.Ldx(CoreInsn.LdxW, 0), CoreInsn.Exit);

        Assert.Equal(8, insns[0].Offset);
        Assert.Equal(CoreInsn.LdxW, insns[0].Opcode);
        Assert.Equal((2, 1), (insns[0].Src, insns[0].Dst));
        Assert.Equal(8ul, result.TargetValue);
        Assert.Equal(CoreInsn.Exit, insns[1]);
    }

    [Fact]
    public void AFlavoredLocalStructMatchesTheUnflavoredTarget()
    {
        var result = CoreScenario.OnAlu(Local("foo___v2"), Moved(), 3, Kind.FIELD_BYTE_OFFSET, "0:1", 4);

        Assert.Equal(("foo___v2", "foo", 12ul), (result.LocalTypeName, result.TargetTypeName, result.TargetValue));
    }

    [Fact]
    public void AFlavoredTargetStructIsACandidateToo()
    {
        var b = new CoreBtfBuilder();
        var u = b.Int("unsigned int", 4);
        b.Struct("foo___arch_x", 8, M("b", u, 32));
        var result = CoreScenario.OnAlu(Local(), b.Build(), 3, Kind.FIELD_BYTE_OFFSET, "0:1", 4);

        Assert.Equal(("foo___arch_x", 4ul), (result.TargetTypeName, result.TargetValue));
    }

    [Fact]
    public void AMissingFieldDoesNotExistAndPoisonsItsOffset()
    {
        var b = new CoreBtfBuilder();
        var i = b.Int("int", 4, signed: true);
        b.Struct("foo", 4, M("a", i, 0));
        var target = b.Build();

        var exists = CoreScenario.OnAlu(Local(), target, 3, Kind.FIELD_EXISTS, "0:1", 1);
        Assert.Equal((1ul, 0ul, false), (exists.LocalValue, exists.TargetValue, exists.Poisoned));
        Assert.Null(exists.TargetSpec);

        var (offset, insns) = CoreScenario.Run(Local(), target, CoreInsn.Relo(1, 3, Kind.FIELD_BYTE_OFFSET, "0:1"), CoreInsn.Mov(0), CoreInsn.Ldx(CoreInsn.LdxW, 4), CoreInsn.Exit);
        Assert.True(offset.Poisoned);
        Assert.Null(offset.InstructionValue);
        Assert.Equal("no candidate in the target has this field", offset.PoisonReason);
        Assert.Equal([CoreInsn.Mov(0), CoreInsn.Poison, CoreInsn.Exit], insns);
        Assert.Contains("=> no match: poisoned (call 0xbad2310)", offset.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingStructMakesEveryFieldAbsent()
    {
        var b = new CoreBtfBuilder();
        b.Int("int", 4, signed: true);
        var result = CoreScenario.OnAlu(Local(), b.Build(), 3, Kind.FIELD_EXISTS, "0:0", 1);

        Assert.Equal(0ul, result.TargetValue);
        Assert.Null(result.TargetTypeId);
    }

    [Fact]
    public void PoisoningALoadImm64PoisonsBothHalves()
    {
        var b = new CoreBtfBuilder();
        b.Struct("foo", 0);
        var insns = CoreInsn.LdImm64(4);
        var (result, patched) = CoreScenario.Run(Local(), b.Build(), CoreInsn.Relo(0, 3, Kind.FIELD_BYTE_SIZE, "0:1"), [.. insns, CoreInsn.Exit]);

        Assert.True(result.Poisoned);
        Assert.Equal([CoreInsn.Poison, CoreInsn.Poison, CoreInsn.Exit], patched);
        Assert.Equal(0x85, patched[0].Opcode);
        Assert.Equal(195896080, patched[0].Immediate);
    }

    [Fact]
    public void FieldSizeAndSignednessFollowTheTarget()
    {
        var b = new CoreBtfBuilder();
        var u64 = b.Int("unsigned long", 8);
        var i = b.Int("int", 4, signed: true);
        b.Struct("foo", 16, M("a", u64, 0), M("b", i, 64)); // a: int -> unsigned long; b: unsigned -> int
        var target = b.Build();

        Assert.Equal((4ul, 8ul), Values(CoreScenario.OnAlu(Local(), target, 3, Kind.FIELD_BYTE_SIZE, "0:0", 4)));
        Assert.Equal((1ul, 0ul), Values(CoreScenario.OnAlu(Local(), target, 3, Kind.FIELD_SIGNED, "0:0", 1)));
        Assert.Equal((0ul, 1ul), Values(CoreScenario.OnAlu(Local(), target, 3, Kind.FIELD_SIGNED, "0:1", 0)));
    }

    [Fact]
    public void SignednessOfEnumsComesFromTheKindFlag()
    {
        var lb = new CoreBtfBuilder();
        var le = lb.Enum("mode", 4, false, ("A", 0));
        lb.Struct("foo", 4, M("m", le, 0));
        var tb = new CoreBtfBuilder();
        var te = tb.Enum("mode", 4, true, ("A", -1));
        tb.Struct("foo", 8, M("pad", te, 0), M("m", te, 32));

        var result = CoreScenario.OnAlu(lb.Build(), tb.Build(), 2, Kind.FIELD_SIGNED, "0:0", 0);

        Assert.Equal((0ul, 1ul), Values(result));
    }

    [Fact]
    public void AnUnsignedFieldThatGrewWidensItsLoad()
    {
        var b = new CoreBtfBuilder();
        var u64 = b.Int("unsigned long long", 8);
        b.Struct("foo", 16, M("b", u64, 64));
        var (result, insns) = CoreScenario.Run(Local(), b.Build(), CoreInsn.Relo(0, 3, Kind.FIELD_BYTE_OFFSET, "0:1"), CoreInsn.Ldx(CoreInsn.LdxW, 4));

        Assert.Equal((CoreInsn.LdxDw, (short)8), (insns[0].Opcode, insns[0].Offset));
        Assert.Equal(8ul, result.TargetValue);
    }

    [Fact]
    public void AnUnsignedFieldThatShrankNarrowsItsStore()
    {
        var b = new CoreBtfBuilder();
        var u16 = b.Int("unsigned short", 2);
        b.Struct("foo", 4, M("b", u16, 16));
        var store = new ManagedBpf.Programs.BpfInstruction(0x63, 1, 2, 4, 0); // *(u32 *)(r1 + 4) = r2
        var (_, insns) = CoreScenario.Run(Local(), b.Build(), CoreInsn.Relo(0, 3, Kind.FIELD_BYTE_OFFSET, "0:1"), store);

        Assert.Equal((0x6b, (short)2), (insns[0].Opcode, insns[0].Offset)); // BPF_STX | BPF_MEM | BPF_H
    }

    [Fact]
    public void ASignedFieldThatChangedSizePoisonsItsLoadButNotItsAddressArithmetic()
    {
        var b = new CoreBtfBuilder();
        var l = b.Int("long", 8, signed: true);
        b.Struct("foo", 8, M("a", l, 0));
        var target = b.Build();

        var (load, insns) = CoreScenario.Run(Local(), target, CoreInsn.Relo(0, 3, Kind.FIELD_BYTE_OFFSET, "0:0"), CoreInsn.Ldx(CoreInsn.LdxW, 0));
        Assert.True(load.Poisoned);
        Assert.Contains("from 4 to 8 bytes", load.PoisonReason, StringComparison.Ordinal);
        Assert.Equal(CoreInsn.Poison, insns[0]);

        // &foo->a needs only the offset, which is still right.
        var address = CoreScenario.OnAlu(Local(), target, 3, Kind.FIELD_BYTE_OFFSET, "0:0", 0);
        Assert.False(address.Poisoned);
    }

    [Fact]
    public void AnonymousMembersAreSearchedRecursivelyOnBothSides()
    {
        // Local: struct foo { int x; struct { int y; }; } — y is "0:1:0".
        var lb = new CoreBtfBuilder();
        var li = lb.Int("int", 4, signed: true);
        var anon = lb.Struct("", 4, M("y", li, 0));
        lb.Struct("foo", 8, M("x", li, 0), M("", anon, 32));

        // Target: struct foo { struct { long pad; union { int z; int y; }; }; int x; }
        var tb = new CoreBtfBuilder();
        var ti = tb.Int("int", 4, signed: true);
        var tl = tb.Int("long", 8, signed: true);
        var inner = tb.Union("", 4, M("z", ti, 0), M("y", ti, 0));
        var outer = tb.Struct("", 16, M("pad", tl, 0), M("", inner, 64));
        tb.Struct("foo", 20, M("", outer, 0), M("x", ti, 128));

        var result = CoreScenario.OnAlu(lb.Build(), tb.Build(), 3, Kind.FIELD_BYTE_OFFSET, "0:1:0", 4);

        Assert.Equal((4ul, 8ul), Values(result));
        Assert.Equal("[3] struct foo.y (0:1:0 @ offset 4)", result.LocalSpec);
        Assert.Equal("[5] struct foo.y (0:0:1:1 @ offset 8)", result.TargetSpec);
    }

    [Fact]
    public void ArrayElementsAndNestedStructsRelocate()
    {
        // Local: struct pair { int k; int v; }; struct foo { int n; struct pair items[4]; } — items[2].v is "0:1:2:1" = 4+16+4.
        var lb = new CoreBtfBuilder();
        var li = lb.Int("int", 4, signed: true);
        var lpair = lb.Struct("pair", 8, M("k", li, 0), M("v", li, 32));
        var larr = lb.Array(lpair, 4, li);
        var lfoo = lb.Struct("foo", 36, M("n", li, 0), M("items", larr, 32));

        // Target: pair { long k; int v; } (16 bytes), foo { long n; long m; struct pair items[8]; }: 16 + 2*16 + 8 = 56.
        var tb = new CoreBtfBuilder();
        var ti = tb.Int("int", 4, signed: true);
        var tl = tb.Int("long", 8, signed: true);
        var tpair = tb.Struct("pair", 16, M("k", tl, 0), M("v", ti, 64));
        var tarr = tb.Array(tpair, 8, ti);
        tb.Struct("foo", 144, M("n", tl, 0), M("m", tl, 64), M("items", tarr, 128));
        var target = tb.Build();
        var local = lb.Build();

        var v = CoreScenario.OnAlu(local, target, lfoo, Kind.FIELD_BYTE_OFFSET, "0:1:2:1", 24);
        Assert.Equal((24ul, 56ul), Values(v));
        Assert.Equal("[4] struct foo.items[2].v (0:1:2:1 @ offset 24)", v.LocalSpec);
        Assert.Equal("[5] struct foo.items[2].v (0:2:2:1 @ offset 56)", v.TargetSpec);

        // The element itself: offset and size of the whole struct pair.
        Assert.Equal((20ul, 48ul), Values(CoreScenario.OnAlu(local, target, lfoo, Kind.FIELD_BYTE_OFFSET, "0:1:2", 20)));
        Assert.Equal((8ul, 16ul), Values(CoreScenario.OnAlu(local, target, lfoo, Kind.FIELD_BYTE_SIZE, "0:1:2", 8)));

        // The root pointer used as an array: &p[1].n.
        Assert.Equal((36ul, 144ul), Values(CoreScenario.OnAlu(local, target, lfoo, Kind.FIELD_BYTE_OFFSET, "1:0", 36)));
    }

    [Fact]
    public void AnElementBeyondTheTargetArrayDoesNotExist()
    {
        var lb = new CoreBtfBuilder();
        var li = lb.Int("int", 4, signed: true);
        lb.Struct("foo", 16, M("arr", lb.Array(li, 4, li), 0));
        var tb = new CoreBtfBuilder();
        var ti = tb.Int("int", 4, signed: true);
        tb.Struct("foo", 8, M("arr", tb.Array(ti, 2, ti), 0));

        var result = CoreScenario.OnAlu(lb.Build(), tb.Build(), 3, Kind.FIELD_EXISTS, "0:0:3", 1);

        Assert.Equal(0ul, result.TargetValue);
    }

    [Fact]
    public void AFlexibleArrayMayBeIndexedPastItsLength()
    {
        var lb = new CoreBtfBuilder();
        var li = lb.Int("int", 4, signed: true);
        lb.Struct("foo", 16, M("arr", lb.Array(li, 4, li), 0));

        // Target: struct foo { int n; int arr[]; }
        var tb = new CoreBtfBuilder();
        var ti = tb.Int("int", 4, signed: true);
        tb.Struct("foo", 4, M("n", ti, 0), M("arr", tb.Array(ti, 0, ti), 32));

        var result = CoreScenario.OnAlu(lb.Build(), tb.Build(), 3, Kind.FIELD_BYTE_OFFSET, "0:0:3", 12);

        Assert.Equal((12ul, 16ul), Values(result));
    }

    [Fact]
    public void AZeroLengthArrayThatIsNotLastIsNotFlexible()
    {
        var lb = new CoreBtfBuilder();
        var li = lb.Int("int", 4, signed: true);
        lb.Struct("foo", 16, M("arr", lb.Array(li, 4, li), 0));
        var tb = new CoreBtfBuilder();
        var ti = tb.Int("int", 4, signed: true);
        tb.Struct("foo", 4, M("arr", tb.Array(ti, 0, ti), 0), M("n", ti, 0));

        Assert.Equal(0ul, CoreScenario.OnAlu(lb.Build(), tb.Build(), 3, Kind.FIELD_EXISTS, "0:0:1", 1).TargetValue);
    }

    [Theory]
    [InlineData("int")]      // int vs struct
    [InlineData("ptr")]      // pointer vs int
    [InlineData("enum")]     // enums with different names
    [InlineData("bitint")]   // legacy bitfield integer (BTF_INT_OFFSET != 0)
    public void AFieldOfAnIncompatibleTypeDoesNotMatch(string change)
    {
        var lb = new CoreBtfBuilder();
        var li = lb.Int("int", 4, signed: true);
        var lf = change switch
        {
            "int" => li,
            "ptr" => lb.Ptr(li),
            "enum" => lb.Enum("color", 4, false, ("RED", 0)),
            _ => li,
        };
        lb.Struct("foo", 8, M("f", lf, 0));

        var tb = new CoreBtfBuilder();
        var ti = tb.Int("int", 4, signed: true);
        var tf = change switch
        {
            "int" => tb.Struct("bar", 4, M("x", ti, 0)),
            "ptr" => ti,
            "enum" => tb.Enum("shape", 4, false, ("RED", 0)),
            _ => tb.Add(new BtfInt(tb.Str("int"), 4, BtfIntEncoding.SIGNED, 3, 5)),
        };
        tb.Struct("foo", 8, M("f", tf, 0));

        var result = CoreScenario.OnAlu(lb.Build(), tb.Build(), lb.Build().TypeCount - 1, Kind.FIELD_EXISTS, "0:0", 1);

        Assert.Equal(0ul, result.TargetValue);
    }

    [Fact]
    public void CompatibleFieldTypesMatchAcrossKindsThatLibbpfAllows()
    {
        // struct vs union, typedef'd and const int vs long, anonymous enum vs named enum, float vs float, array lengths.
        var lb = new CoreBtfBuilder();
        var li = lb.Int("int", 4, signed: true);
        var ls = lb.Struct("inner", 4, M("x", li, 0));
        var le = lb.Enum("", 4, false, ("A", 0));
        var lfl = lb.Float("float", 4);
        var larr = lb.Array(li, 2, li);
        lb.Struct("foo", 28, M("s", ls, 0), M("i", lb.Const(li), 32), M("e", le, 64), M("f", lfl, 96), M("arr", larr, 128));
        var local = lb.Build();
        var fooId = local.TypeCount - 1;

        var tb = new CoreBtfBuilder();
        var ti = tb.Int("int", 4, signed: true);
        var tl = tb.Typedef("s64", tb.Int("long long", 8, signed: true));
        var tu = tb.Union("other", 8, M("x", ti, 0));
        var te = tb.Enum("named", 4, false, ("A", 0));
        var tfl = tb.Float("double", 8);
        var tarr = tb.Array(ti, 9, ti);
        tb.Struct("foo", 64, M("arr", tarr, 0), M("f", tfl, 320), M("e", te, 384), M("i", tl, 448), M("s", tu, 512));
        var target = tb.Build();

        foreach (var (access, localOffset, targetOffset) in new[] { ("0:0", 0, 64ul), ("0:1", 4, 56ul), ("0:2", 8, 48ul), ("0:3", 12, 40ul), ("0:4", 16, 0ul) })
        {
            Assert.Equal(targetOffset, CoreScenario.OnAlu(local, target, fooId, Kind.FIELD_BYTE_OFFSET, access, localOffset).TargetValue);
        }
    }

    [Fact]
    public void TheSignednessOfAnArrayElementIsRefused()
    {
        var lb = new CoreBtfBuilder();
        var li = lb.Int("int", 4, signed: true);
        lb.Struct("foo", 16, M("arr", lb.Array(li, 4, li), 0));
        var local = lb.Build();

        var ex = CoreScenario.Fails(local, local, CoreInsn.Relo(0, 3, Kind.FIELD_SIGNED, "0:0:1"), CoreInsn.Alu(1));

        Assert.Contains("cannot be applied to an array element", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModifiersAndTypedefsOnTheRootAndAlongThePathAreSkipped()
    {
        // Local: typedef const struct foo foo_t; relocation against the typedef.
        var lb = new CoreBtfBuilder();
        var li = lb.Int("int", 4, signed: true);
        var lfoo = lb.Struct("foo", 8, M("a", li, 0), M("b", lb.Volatile(li), 32));
        var ltd = lb.Typedef("foo_t", lb.Const(lfoo));

        var tb = new CoreBtfBuilder();
        var ti = tb.Int("int", 4, signed: true);
        var tfoo = tb.Struct("foo", 12, M("x", ti, 0), M("a", ti, 32), M("b", ti, 64));
        tb.Typedef("foo_t", tfoo);

        var result = CoreScenario.OnAlu(lb.Build(), tb.Build(), ltd, Kind.FIELD_BYTE_OFFSET, "0:1", 4);

        Assert.Equal((4ul, 8ul, "foo_t"), (result.LocalValue, result.TargetValue, result.TargetTypeName));
    }

    private static (ulong Local, ulong Target) Values(CoreRelocationResult result) => (result.LocalValue, result.TargetValue);
}
