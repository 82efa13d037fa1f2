using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader.Tests;

/// <summary>Split BTF: ids and string offsets continue after a base, as kernel module BTF does on top of vmlinux.</summary>
public sealed class BtfSplitTests
{
    private static (BtfSpec Base, byte[] Split) Build()
    {
        var baseBtf = BtfSpec.Parse(TestBtf.Small()); // ids 1-4, strings 0-10
        var (strings, names) = TestElfBuilder.StringTable("split_s", "p");
        var start = baseBtf.StringsEnd;
        var split = BtfWriter.Write(
            [
                new BtfPtr(2),                                                               // [5] struct s *
                new BtfStruct(start + names[0], 16, [new BtfMember(start + names[1], 5, 0), new BtfMember(TestBtf.A, 1, 64)]), // [6]
                new BtfTypedef(TestBtf.Int, 1),                                              // [7] typedef int int (base name)
            ],
            strings);
        return (baseBtf, split);
    }

    [Fact]
    public void SplitIdsAndStringsContinueTheBase()
    {
        var (baseBtf, bytes) = Build();

        var split = BtfSpec.Parse(bytes, baseBtf);

        Assert.Same(baseBtf, split.Base);
        Assert.Equal(5u, split.FirstTypeId);
        Assert.Equal(8u, split.TypeCount);
        Assert.Equal(baseBtf.StringsEnd, split.StringsStart);
        Assert.IsType<BtfStruct>(split.TypeById(2));
        Assert.Same(baseBtf.TypeById(2), split.TypeById(2));
        Assert.Equal("split_s", split.NameOf(6));
        Assert.Equal("p", split.GetString(((BtfStruct)split.TypeById(6)).Members[0].NameOff));
        Assert.Equal("int", split.NameOf(7));
        Assert.Equal(BtfKind.STRUCT, split.KindOf(2));
        Assert.Equal(16u, split.GetSize(6));
        Assert.Equal(4u, split.GetSize(7));
        Assert.Equal(2u, split.SkipModifiers(3));

        Assert.True(split.TryFindType("s", BtfKind.STRUCT, out var s));
        Assert.Equal(2u, s);
        Assert.True(split.TryFindType("split_s", BtfKind.STRUCT, out var own));
        Assert.Equal(6u, own);
        Assert.Equal([1u], split.FindTypes("int").Where(id => split.KindOf(id) == BtfKind.INT));
        Assert.Equal([1u, 7u], split.FindTypes("int"));
        Assert.Equal(bytes, split.Encode());
    }

    [Fact]
    public void SplitReferencesMustStayBelowTheCombinedCount()
    {
        var (baseBtf, bytes) = Build();
        var field = BtfHeader.Size + 8; // [5] PTR's type
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(field), 8);

        Assertions.ThrowsFormat(() => BtfSpec.Parse(bytes, baseBtf, "mod"), "BTF type [5] PTR refers to type [8], but the last type is [7]", "mod", field);
    }

    [Fact]
    public void ASplitBlobWithoutStringsIsValid()
    {
        var baseBtf = BtfSpec.Parse(TestBtf.Small());
        var bytes = BtfWriter.Write([new BtfPtr(4)], []);

        var split = BtfSpec.Parse(bytes, baseBtf);

        Assert.Equal(5u, split.FirstTypeId);
        Assert.Equal(8u, split.GetSize(5));
        Assertions.ThrowsFormat(() => BtfSpec.Parse(bytes), "string section is empty", ".BTF", 20);
    }

    [Fact]
    public void ModuleStyleSplitOnTopOfKernelBtf()
    {
        if (!File.Exists(KernelBtf.DefaultPath))
        {
            return;
        }

        var vmlinux = KernelBtf.Default;
        Assert.True(vmlinux.TryFindType("task_struct", BtfKind.STRUCT, out var task));
        var (strings, names) = TestElfBuilder.StringTable("managedbpf_module_state");
        var bytes = BtfWriter.Write(
            [new BtfPtr(task), new BtfStruct(vmlinux.StringsEnd + names[0], 8, [new BtfMember(vmlinux.NameOffOf(task), vmlinux.TypeCount, 0)])],
            strings);

        var module = BtfSpec.Parse(bytes, vmlinux, "managedbpf_module");

        Assert.Equal(vmlinux.TypeCount, module.FirstTypeId);
        Assert.True(module.TryFindType("managedbpf_module_state", BtfKind.STRUCT, out var state));
        var member = ((BtfStruct)module.TypeById(state)).Members[0];
        Assert.Equal("task_struct", module.GetString(member.NameOff));
        Assert.Equal(task, ((BtfPtr)module.TypeById(member.TypeId)).TypeId);
        Assert.Equal(task, module.FindTypes("task_struct")[0]);
        Assert.Equal(8u, module.GetSize(state));
    }
}
