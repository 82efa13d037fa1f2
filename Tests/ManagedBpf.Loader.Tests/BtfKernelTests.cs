using ManagedBpf.TestSupport;
using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader.Tests;

/// <summary>The running kernel's BTF. It is only read from sysfs, no syscalls; machines without it skip these with the reason.</summary>
public sealed class BtfKernelTests
{
    [KernelBtfFact]
    public void TaskStructAndItsPidAreFound()
    {
        var btf = KernelBtf.Default;

        Assert.True(btf.TypeCount > 10_000);
        Assert.True(btf.TryFindType("task_struct", BtfKind.STRUCT, out var taskId));
        var task = (BtfStruct)btf.TypeById(taskId);
        Assert.Equal(task.Size, btf.GetSize(taskId));
        Assert.True(task.HasBitfieldMembers);

        var pid = task.Members.Single(m => btf.GetString(m.NameOff) == "pid");
        Assert.Equal(0u, pid.BitOffset % 32);
        Assert.True(pid.BitOffset / 8 > 0 && pid.BitOffset / 8 < task.Size);
        Assert.Equal("pid_t", btf.NameOf(pid.TypeId));
        var pidInt = Assert.IsType<BtfInt>(btf.TypeById(btf.SkipModifiers(pid.TypeId)));
        Assert.Equal((4u, true), (pidInt.Size, pidInt.IsSigned));
        Assert.Equal(4u, btf.GetSize(pid.TypeId));

        var comm = task.Members.Single(m => btf.GetString(m.NameOff) == "comm");
        Assert.Equal(16u, btf.GetSize(comm.TypeId));
        Assert.Contains(task.Members, m => m.BitfieldSize == 1 && btf.GetString(m.NameOff) == "in_execve");
        Assert.Contains(taskId, btf.FindTypesByEssentialName("task_struct"));
    }

    [KernelBtfFact]
    public void MapTypeEnumHasTheRingBufferValues()
    {
        var btf = KernelBtf.Default;

        Assert.True(btf.TryFindType("bpf_map_type", BtfKind.ENUM, out var id));
        var values = ((BtfEnum)btf.TypeById(id)).Values.ToDictionary(v => btf.GetString(v.NameOff), v => v.Val);

        Assert.Equal(4, values["BPF_MAP_TYPE_PERF_EVENT_ARRAY"]);
        Assert.Equal(27, values["BPF_MAP_TYPE_RINGBUF"]);
        Assert.Equal(31, values["BPF_MAP_TYPE_USER_RINGBUF"]);
    }

    [KernelBtfFact]
    public void KernelBtfReEncodesToTheSameBytes()
    {
        var btf = KernelBtf.Default;

        Assert.Equal(File.ReadAllBytes(KernelBtf.DefaultPath), btf.Encode());
        Assert.Same(btf, KernelBtf.Default);
        Assert.Equal(KernelBtf.DefaultPath, btf.Section);
    }

    [KernelBtfFact]
    public void EveryKernelTypeDecodesAndSizedKindsHaveSizes()
    {
        var btf = KernelBtf.Default;

        var kinds = new HashSet<BtfKind>();
        for (var id = 1u; id < btf.TypeCount; id++)
        {
            var type = btf.TypeById(id);
            kinds.Add(type.Kind);
            Assert.Equal(type.Kind, btf.KindOf(id));
            if (type is BtfInt or BtfComposite or BtfEnum or BtfEnum64 or BtfPtr or BtfFloat)
            {
                Assert.True(btf.TryGetSize(id, out _), btf.Describe(id));
            }
        }

        // A 6.x kernel built with pahole 1.24+ uses every kind but the object-only ones.
        Assert.Superset(new HashSet<BtfKind> { BtfKind.INT, BtfKind.PTR, BtfKind.ARRAY, BtfKind.STRUCT, BtfKind.UNION, BtfKind.ENUM, BtfKind.FWD, BtfKind.TYPEDEF, BtfKind.CONST, BtfKind.FUNC, BtfKind.FUNC_PROTO, BtfKind.VAR, BtfKind.DATASEC }, kinds);
    }

    [KernelBtfFact]
    public void ModuleBtfWithAPathIsRejected()
    {
        Assert.Throws<ArgumentException>(() => KernelBtf.LoadModule("../vmlinux"));
        Assert.Throws<ArgumentException>(() => KernelBtf.LoadModule(""));
    }

    [KernelBtfFact]
    public void ALoadFailureNamesTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"managedbpf-not-btf-{Environment.ProcessId}");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        try
        {
            Assertions.ThrowsFormat(() => KernelBtf.Load(path), "bad BTF magic", path, 0);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
