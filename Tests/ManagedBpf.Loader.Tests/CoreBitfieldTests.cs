using ManagedBpf.Loader.Btf;
using ManagedBpf.Loader.Tests.CoreSupport;
using static ManagedBpf.Loader.Tests.CoreSupport.CoreMembers;
using Kind = ManagedBpf.Loader.Btf.BpfCoreReloKind;

namespace ManagedBpf.Loader.Tests;

/// <summary>
/// Bitfield relocations as libbpf computes them (<c>bpf_core_calc_field_relo</c>): the load is the member type's size,
/// doubled until one naturally aligned load covers every bit (at most 8 bytes); then
/// <c>lshift = 64 - (bit_off + bit_sz - byte_off * 8)</c> and <c>rshift = 64 - bit_sz</c> on little-endian.
/// </summary>
public sealed class CoreBitfieldTests
{
    /// <summary>Local: [3] struct bf { unsigned int a:3; unsigned int b:5; int c:4; } (4 bytes).</summary>
    private static BtfSpec Local()
    {
        var b = new CoreBtfBuilder();
        var u = b.Int("unsigned int", 4);
        var i = b.Int("int", 4, signed: true);
        b.Struct("bf", 4, M("a", u, 0, 3), M("b", u, 3, 5), M("c", i, 8, 4));
        return b.Build();
    }

    /// <summary>Target with b as <paramref name="bits"/> bits of <paramref name="typeName"/> at absolute bit <paramref name="bitOffset"/>.</summary>
    private static BtfSpec Target(uint bitOffset, byte bits, string typeName = "unsigned int", uint typeSize = 4)
    {
        var b = new CoreBtfBuilder();
        var t = b.Int(typeName, typeSize);
        var pad = b.Int("unsigned long long", 8);
        b.Struct("bf", 24, M("pad", pad, 0), M("b", t, bitOffset, bits));
        return b.Build();
    }

    private static ulong Target(BtfSpec target, Kind kind, string access = "0:1", int imm = 0) =>
        CoreScenario.OnAlu(Local(), target, 3, kind, access, imm).TargetValue;

    [Fact]
    public void ABitfieldInsideOneWordKeepsTheMemberTypesLoadSize()
    {
        var target = Target(101, 7); // bits 101..107: word at byte 12

        Assert.Equal(12ul, Target(target, Kind.FIELD_BYTE_OFFSET));
        Assert.Equal(4ul, Target(target, Kind.FIELD_BYTE_SIZE));
        Assert.Equal(52ul, Target(target, Kind.FIELD_LSHIFT_U64));
        Assert.Equal(57ul, Target(target, Kind.FIELD_RSHIFT_U64, imm: 59));
        Assert.Equal(0ul, Target(target, Kind.FIELD_SIGNED));
    }

    [Fact]
    public void TheLocalValuesAreLibbpfsToo()
    {
        var local = Local();
        var results = new Dictionary<Kind, ulong>();
        foreach (var kind in new[] { Kind.FIELD_BYTE_OFFSET, Kind.FIELD_BYTE_SIZE, Kind.FIELD_LSHIFT_U64, Kind.FIELD_RSHIFT_U64 })
        {
            results[kind] = CoreScenario.OnAlu(local, local, 3, kind, "0:1", kind == Kind.FIELD_RSHIFT_U64 ? 59 : 0).LocalValue;
        }

        Assert.Equal(0ul, results[Kind.FIELD_BYTE_OFFSET]);
        Assert.Equal(4ul, results[Kind.FIELD_BYTE_SIZE]);
        Assert.Equal(56ul, results[Kind.FIELD_LSHIFT_U64]); // 64 - (3 + 5)
        Assert.Equal(59ul, results[Kind.FIELD_RSHIFT_U64]); // 64 - 5
    }

    [Fact]
    public void ABitfieldStraddlingAWordNeedsADoubleWordLoad()
    {
        var target = Target(94, 5); // bits 94..98 cross the 4-byte boundary at 96

        Assert.Equal(8ul, Target(target, Kind.FIELD_BYTE_OFFSET));
        Assert.Equal(8ul, Target(target, Kind.FIELD_BYTE_SIZE));
        Assert.Equal(29ul, Target(target, Kind.FIELD_LSHIFT_U64)); // 64 - (94 + 5 - 64)
        Assert.Equal(59ul, Target(target, Kind.FIELD_RSHIFT_U64, imm: 59));
    }

    [Fact]
    public void ACharBitfieldThatStraddlesABytesGrowsToAHalfWord()
    {
        var target = Target(70, 5, "unsigned char", 1); // bits 70..74: byte 8 does not hold it, bytes 8-9 do

        Assert.Equal(8ul, Target(target, Kind.FIELD_BYTE_OFFSET));
        Assert.Equal(2ul, Target(target, Kind.FIELD_BYTE_SIZE));
        Assert.Equal(53ul, Target(target, Kind.FIELD_LSHIFT_U64)); // 64 - (70 + 5 - 64)
    }

    [Fact]
    public void ABitfieldNoSingleLoadCoversIsAnError()
    {
        var target = Target(124, 8, "unsigned long long", 8); // bits 124..131 cross the 8-byte boundary at 128

        var ex = CoreScenario.Fails(Local(), target, CoreInsn.Relo(0, 3, Kind.FIELD_BYTE_OFFSET, "0:1"), CoreInsn.Alu(0));

        Assert.Contains("cannot be read with one 64-bit load", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SignednessOfABitfieldIsItsTypes()
    {
        var local = Local();

        Assert.Equal(1ul, CoreScenario.OnAlu(local, local, 3, Kind.FIELD_SIGNED, "0:2", 1).TargetValue);
        Assert.Equal(0ul, CoreScenario.OnAlu(local, local, 3, Kind.FIELD_SIGNED, "0:1", 0).TargetValue);
    }

    [Fact]
    public void BitfieldOffsetsSizesAndLeftShiftsAreNotValidatedButRightShiftsAndSignednessAre()
    {
        var target = Target(101, 7);

        // clang's own idea of a bitfield's byte size and offset need not be libbpf's (clang wrote 1 for in_execve).
        var size = CoreScenario.OnAlu(Local(), target, 3, Kind.FIELD_BYTE_SIZE, "0:1", 1);
        Assert.Equal((1ul, 4ul, false), (size.InstructionValue!.Value, size.TargetValue, size.Validated));
        Assert.False(CoreScenario.OnAlu(Local(), target, 3, Kind.FIELD_LSHIFT_U64, "0:1", 12345).Validated);

        var rshift = CoreScenario.Fails(Local(), target, CoreInsn.Relo(0, 3, Kind.FIELD_RSHIFT_U64, "0:1"), CoreInsn.Alu(60));
        Assert.Contains("unexpected insn #0 (ALU/ALU64) value: got 60, exp 59 -> 57", rshift.Message, StringComparison.Ordinal);
        CoreScenario.Fails(Local(), target, CoreInsn.Relo(0, 3, Kind.FIELD_SIGNED, "0:1"), CoreInsn.Alu(1));
    }

    [Fact]
    public void ABitfieldThatBecameAPlainFieldIsReadWhole()
    {
        var b = new CoreBtfBuilder();
        var u = b.Int("unsigned int", 4);
        b.Struct("bf", 8, M("a", u, 0), M("b", u, 32));
        var target = b.Build();

        Assert.Equal(4ul, Target(target, Kind.FIELD_BYTE_OFFSET));
        Assert.Equal(4ul, Target(target, Kind.FIELD_BYTE_SIZE));
        Assert.Equal(32ul, Target(target, Kind.FIELD_LSHIFT_U64));
        Assert.Equal(32ul, Target(target, Kind.FIELD_RSHIFT_U64, imm: 59));

        // A load sized for the bitfield's word cannot be resized from "no size" to the plain field's: libbpf poisons it.
        var (load, insns) = CoreScenario.Run(Local(), target, CoreInsn.Relo(0, 3, Kind.FIELD_BYTE_OFFSET, "0:1"), CoreInsn.Ldx(CoreInsn.LdxW, 0));
        Assert.True(load.Poisoned);
        Assert.Equal(CoreInsn.Poison, insns[0]);
    }

    [Fact]
    public void ABitfieldMovedWithinItsWordOnlyChangesTheShifts()
    {
        var target = Target(64 + 20, 5); // same word as the local (byte 8 here vs 0 there), bits 20..24

        Assert.Equal(8ul, Target(target, Kind.FIELD_BYTE_OFFSET));
        Assert.Equal(39ul, Target(target, Kind.FIELD_LSHIFT_U64)); // 64 - (84 + 5 - 64)
        Assert.Equal(59ul, Target(target, Kind.FIELD_RSHIFT_U64, imm: 59));
    }
}
