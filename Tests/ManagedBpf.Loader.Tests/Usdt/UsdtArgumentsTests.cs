using FsCheck;
using FsCheck.Fluent;
using ManagedBpf.Loader.Usdt;
using K = ManagedBpf.Loader.Usdt.UsdtArgumentKind;

namespace ManagedBpf.Loader.Tests.Usdt;

/// <summary>The x86_64 argument parser: every form libbpf reads, every register name it knows, and clear refusals.</summary>
public sealed class UsdtArgumentsTests
{
    [Theory]
    [InlineData("4@$5", K.Constant, 4, false, 5L, null, 0)]
    [InlineData("-4@$-9", K.Constant, 4, true, -9L, null, 0)]
    [InlineData("8@$9223372036854775807", K.Constant, 8, false, long.MaxValue, null, 0)]
    [InlineData("-4@%edi", K.Register, 4, true, 0L, "edi", 112)]
    [InlineData("8@%rdx", K.Register, 8, false, 0L, "rdx", 96)]
    [InlineData("-1@%sil", K.Register, 1, true, 0L, "sil", 104)]
    [InlineData("2@%r9w", K.Register, 2, false, 0L, "r9w", 64)]
    [InlineData("8@%rip", K.Register, 8, false, 0L, "rip", 128)]
    [InlineData("-4@-1204(%rbp)", K.RegisterDereference, 4, true, -1204L, "rbp", 32)]
    [InlineData("8@16(%rsp)", K.RegisterDereference, 8, false, 16L, "rsp", 152)]
    [InlineData("8@(%rsp)", K.RegisterDereference, 8, false, 0L, "rsp", 152)]
    [InlineData("-2@+8(%r15)", K.RegisterDereference, 2, true, 8L, "r15", 0)]
    public void Each_form_is_read_as_libbpf_reads_it(string text, K kind, int size, bool signed, long valueOffset, string? register, short registerOffset)
    {
        var a = Assert.Single(UsdtArguments.Parse(text));
        Assert.Equal(new UsdtArgument(text, kind, size, signed, valueOffset, register, registerOffset), a);
        Assert.Equal(64 - (8 * size), a.BitShift);
    }

    [Theory]
    [InlineData("1@-96(%rbp,%rax,8)", -96L, "rbp", "rax", 8)]
    [InlineData("1@(%rbp,%rax,8)", 0L, "rbp", "rax", 8)]
    [InlineData("-4@-96(%rbp,%rax)", -96L, "rbp", "rax", 1)]
    [InlineData("2@(%rbx, %r12d, 2)", 0L, "rbx", "r12d", 2)]
    public void Scale_index_base_operands_are_read_with_both_registers(string text, long offset, string @base, string index, int scale)
    {
        var a = Assert.Single(UsdtArguments.Parse(text));
        Assert.Equal((K.ScaleIndexBase, offset, @base, index, scale), (a.Kind, a.ValueOffset, a.Register, a.IndexRegister, a.Scale));
        Assert.True(X86PtRegs.TryGetOffset(index, out var indexOffset));
        Assert.Equal(indexOffset, a.IndexRegisterOffset);
        Assert.Equal(System.Numerics.BitOperations.Log2((uint)scale), a.ScaleBitShift);
    }

    [Fact]
    public void Libbpfs_twelve_argument_example_is_read_whole()
    {
        // The example in libbpf's usdt.c: `readelf -n` of test:usdt12.
        var args = UsdtArguments.Parse("-4@-1204(%rbp) -4@%edi -8@-1216(%rbp) -8@%r8 -4@$5 -8@%r9 8@%rdx 8@%r10 -4@$-9 -2@%cx -2@%ax -1@%sil");
        Assert.Equal(12, args.Count);
        Assert.Equal(
            [K.RegisterDereference, K.Register, K.RegisterDereference, K.Register, K.Constant, K.Register, K.Register, K.Register, K.Constant, K.Register, K.Register, K.Register],
            args.Select(a => a.Kind));
        Assert.Equal([4, 4, 8, 8, 4, 8, 8, 8, 4, 2, 2, 1], args.Select(a => a.Size));
        Assert.Equal([32, 32, 0, 0, 32, 0, 0, 0, 32, 48, 48, 56], args.Select(a => a.BitShift));
        Assert.Equal([true, true, true, true, true, true, false, false, true, true, true, true], args.Select(a => a.Signed));
        Assert.Equal(["-4@-1204(%rbp)", "-4@%edi"], args.Take(2).Select(a => a.Text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void No_arguments_is_an_empty_list(string text) => Assert.Empty(UsdtArguments.Parse(text));

    [Fact]
    public void Spaces_are_allowed_where_scanf_skips_them()
    {
        var args = UsdtArguments.Parse("  4 @ $5\t-8 @ -16 ( %rbp )  8@%rax ");
        Assert.Equal([K.Constant, K.RegisterDereference, K.Register], args.Select(a => a.Kind));
        Assert.Equal((-16L, "rbp"), (args[1].ValueOffset, args[1].Register));
    }

    [Theory]
    [InlineData("3@%eax", "has size 3")]
    [InlineData("-16@%rax", "has size -16")]
    [InlineData("99999999999@%rax", "has size 99999999999")]
    [InlineData("8@%xmm0", "register '%xmm0'")]
    [InlineData("8@%fs", "register '%fs'")]
    [InlineData("8@-8(%rax,%rbx,3)", "has scale 3")]
    [InlineData("8@foo(%rip)", "'sym(%rip)' are not supported")]
    [InlineData("8@$sym", "'$sym' immediates are not supported")]
    [InlineData("x@%eax", "expected a size")]
    [InlineData("8%eax", "expected '@'")]
    [InlineData("8@-8[%rax]", "expected '('")]
    [InlineData("8@-8(rax)", "expected %REG")]
    [InlineData("8@-8(%rax", "expected ')'")]
    [InlineData("8@$0x10", "unexpected 'x10'")]
    [InlineData("4@%eax 8@", "#1 '8@'")]
    public void Forms_libbpf_cannot_read_are_refused_with_the_reason(string text, string expected)
    {
        var e = Assert.Throws<FormatException>(() => UsdtArguments.Parse(text));
        Assert.Contains(expected, e.Message);
        Assert.Contains($"'{text}'", e.Message);
    }

    [Fact]
    public void More_than_the_spec_holds_is_refused()
    {
        var thirteen = string.Join(' ', Enumerable.Repeat("8@%rax", 13));
        Assert.Equal(12, UsdtArguments.Parse(string.Join(' ', Enumerable.Repeat("8@%rax", 12))).Count);
        Assert.Contains("more than 12 arguments", Assert.Throws<FormatException>(() => UsdtArguments.Parse(thirteen)).Message);
        Assert.Contains("more than 2 arguments", Assert.Throws<FormatException>(() => UsdtArguments.Parse("4@$1 4@$2 4@$3", maxArguments: 2)).Message);
    }

    [Fact]
    public void Every_register_name_libbpf_knows_reads_its_pt_regs_slot()
    {
        // libbpf's calc_pt_regs_off table for x86_64: the 64-, 32-, 16- and 8-bit names of each register.
        var families = new Dictionary<string, string[]>
        {
            ["ip"] = ["rip", "eip"],
            ["ax"] = ["rax", "eax", "ax", "al"],
            ["bx"] = ["rbx", "ebx", "bx", "bl"],
            ["cx"] = ["rcx", "ecx", "cx", "cl"],
            ["dx"] = ["rdx", "edx", "dx", "dl"],
            ["si"] = ["rsi", "esi", "si", "sil"],
            ["di"] = ["rdi", "edi", "di", "dil"],
            ["bp"] = ["rbp", "ebp", "bp", "bpl"],
            ["sp"] = ["rsp", "esp", "sp", "spl"],
        };
        for (var n = 8; n <= 15; n++)
            families[$"r{n}"] = [$"r{n}", $"r{n}d", $"r{n}w", $"r{n}b"];
        var fields = X86PtRegs.Fields.ToDictionary(f => f.Field, f => f.Offset);
        foreach (var (field, names) in families)
        {
            foreach (var name in names)
                Assert.Equal(fields[field], Assert.Single(UsdtArguments.Parse($"8@%{name}")).RegisterOffset);
        }

        Assert.Equal(families.Values.Sum(n => n.Length), X86PtRegs.RegisterOffsets.Count);
        Assert.False(X86PtRegs.TryGetOffset("orig_ax", out _)); // slots that are not registers are not names
    }

    [Fact]
    public void Any_argument_written_out_reads_back_as_itself()
    {
        var registers = X86PtRegs.RegisterOffsets.Keys.Order(StringComparer.Ordinal).ToArray();
        var gen =
            from kind in Gen.Elements(K.Constant, K.Register, K.RegisterDereference, K.ScaleIndexBase)
            from size in Gen.Elements(1, 2, 4, 8)
            from signed in Gen.Elements(true, false)
            from offset in Gen.Choose(int.MinValue, int.MaxValue).Select(v => (long)v * 3)
            from register in Gen.Elements(registers)
            from index in Gen.Elements(registers)
            from scale in Gen.Elements(1, 2, 4, 8)
            from noOffset in Gen.Elements(true, false)
            select (kind, size, signed, offset, register, index, scale, noOffset);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), Prop.ForAll(Arb.From(gen), c =>
        {
            var (kind, size, signed, offset, register, index, scale, noOffset) = c;
            var sized = (signed ? "-" : "") + size;
            var memoryOffset = noOffset ? 0 : offset;
            var text = kind switch
            {
                K.Constant => $"{sized}@${offset}",
                K.Register => $"{sized}@%{register}",
                K.RegisterDereference => noOffset ? $"{sized}@(%{register})" : $"{sized}@{offset}(%{register})",
                _ => $"{sized}@{(noOffset ? "" : offset.ToString(System.Globalization.CultureInfo.InvariantCulture))}(%{register},%{index},{scale})",
            };
            var a = Assert.Single(UsdtArguments.Parse(text));
            Assert.Equal((kind, size, signed, text), (a.Kind, a.Size, a.Signed, a.Text));
            Assert.Equal(kind == K.Constant ? offset : kind == K.Register ? 0 : memoryOffset, a.ValueOffset);
            Assert.Equal(kind == K.Constant ? null : register, a.Register);
            Assert.Equal(kind == K.ScaleIndexBase ? index : null, a.IndexRegister);
            Assert.Equal(kind == K.ScaleIndexBase ? scale : 1, a.Scale);
        }));
    }
}
