using ManagedBpf.Loader.Btf;
using ManagedBpf.Loader.Usdt;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Loader.Tests.Usdt;

/// <summary>The spec id pool (libbpf's free list and next id) and the pt_regs offsets the specs carry.</summary>
public sealed class UsdtSpecIdsTests
{
    [Fact]
    public void Ids_are_handed_out_lowest_first_and_the_most_recently_freed_is_reused_first()
    {
        var ids = new UsdtSpecIds(8);
        Assert.Equal([0, 1, 2], ids.Allocate(3));
        Assert.Equal([3], ids.Allocate(1));
        ids.Release([0, 1, 2]);
        Assert.Equal(1, ids.InUse);
        Assert.Equal([2, 1, 0], ids.Allocate(3)); // libbpf takes free ids from the end of its list
        Assert.Equal([4], ids.Allocate(1)); // then new ones
    }

    [Fact]
    public void A_full_pool_refuses_all_or_nothing_and_says_how_to_grow()
    {
        var ids = new UsdtSpecIds(4);
        ids.Allocate(3);
        var e = Assert.Throws<InvalidOperationException>(() => ids.Allocate(2));
        Assert.Contains("only 1 of the 4 slots of __bpf_usdt_specs are free", e.Message);
        Assert.Contains("BPF_USDT_MAX_SPEC_CNT", e.Message);
        Assert.Equal([3], ids.Allocate(1)); // the refused request took nothing
        Assert.Empty(ids.Allocate(0));
    }

    [KernelBtfFact]
    public void The_register_offsets_are_the_running_kernels_struct_pt_regs()
    {
        var btf = KernelBtf.Default;
        Assert.True(btf.TryFindType("pt_regs", BtfKind.STRUCT, out var id));
        var regs = (BtfStruct)btf.TypeById(id);
        // Newer kernels wrap cs and ss in anonymous unions (with FRED's extra bits): look through them.
        var fields = new List<(string, short)>();
        foreach (var m in regs.Members)
        {
            var offset = (short)(m.BitOffset / 8);
            if (m.NameOff == 0 && btf.TypeById(btf.SkipModifiers(m.TypeId)) is BtfUnion union)
                fields.AddRange(union.Members.Where(u => u.NameOff != 0).Take(1).Select(u => (btf.GetString(u.NameOff), offset)));
            else
                fields.Add((btf.GetString(m.NameOff), offset));
        }

        Assert.Equal(X86PtRegs.Fields, fields);
        Assert.Equal(168u, regs.Size);
    }
}
