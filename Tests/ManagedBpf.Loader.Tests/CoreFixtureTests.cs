using ManagedBpf.Loader.Btf;
using ManagedBpf.Loader.Core;
using ManagedBpf.Loader.Tests.CoreSupport;
using ManagedBpf.Programs;
using Kind = ManagedBpf.Loader.Btf.BpfCoreReloKind;

namespace ManagedBpf.Loader.Tests;

/// <summary>
/// Every CO-RE relocation of fixtures/obj/core.bpf.o applied against the running kernel's BTF, each result checked
/// against facts read directly from that BTF (not through the relocator).
/// </summary>
public sealed class CoreFixtureTests
{
    private static readonly Lazy<CoreFixture> Applied = new(() => CoreFixture.Apply("core.bpf.o", KernelBtf.Default));

    private static BtfSpec Kernel => KernelBtf.Default;

    private static uint KernelStruct(string name)
    {
        Assert.True(Kernel.TryFindType(name, BtfKind.STRUCT, out var id), $"the kernel has no struct {name}");
        return id;
    }

    /// <summary>A direct member of a kernel struct: (bit offset, bitfield size, type id), or null when absent.</summary>
    private static BtfMember? KernelMember(string structName, string member)
    {
        foreach (var m in ((BtfStruct)Kernel.TypeById(KernelStruct(structName))).Members)
        {
            if (Kernel.GetString(m.NameOff) == member)
            {
                return m;
            }
        }

        return null;
    }

    private static IEnumerable<CoreRelocationResult> For(Kind kind, string localSpecFragment) =>
        Applied.Value.AllResults.Where(r => r.Kind == kind && r.LocalSpec.Contains(localSpecFragment, StringComparison.Ordinal));

    [Fact]
    public void EveryRelocationOfTheFixtureApplies()
    {
        var results = Applied.Value.AllResults.ToList();

        Assert.Equal(2, Applied.Value.Sections.Count);
        Assert.Equal(45, results.Count);
        Assert.Equal(
            Enum.GetValues<Kind>().Where(k => k != Kind.TYPE_MATCHES).Order(),
            results.Select(r => r.Kind).Distinct().Order());
    }

    [Theory]
    [InlineData("pid")]
    [InlineData("tgid")]
    [InlineData("real_parent")]
    [InlineData("comm")]
    [InlineData("__state")]
    public void FieldOffsetsAreTheKernelsMemberOffsets(string member)
    {
        var expected = KernelMember("task_struct", member)!.Value.BitOffset / 8;
        var results = For(Kind.FIELD_BYTE_OFFSET, $"struct task_struct.{member} (").ToList();

        Assert.NotEmpty(results);
        Assert.All(results, r =>
        {
            Assert.Equal(expected, r.TargetValue);
            Assert.Equal(KernelStruct("task_struct"), r.TargetTypeId);
            Assert.Same(Kernel, r.TargetBtf);
            Assert.False(r.Poisoned);
        });
    }

    [Fact]
    public void FieldSizeSignednessAndExistenceAreTheKernels()
    {
        var pid = KernelMember("task_struct", "pid")!.Value;
        var pidType = Kernel.SkipModifiers(pid.TypeId);

        Assert.All(For(Kind.FIELD_BYTE_SIZE, "task_struct.pid ("), r => Assert.Equal(Kernel.GetSize(pidType), r.TargetValue));
        Assert.All(For(Kind.FIELD_SIGNED, "task_struct.pid ("), r => Assert.Equal(((BtfInt)Kernel.TypeById(pidType)).IsSigned ? 1ul : 0ul, r.TargetValue));
        Assert.All(For(Kind.FIELD_EXISTS, "task_struct.__state ("), r => Assert.Equal(KernelMember("task_struct", "__state") is null ? 0ul : 1ul, r.TargetValue));
    }

    [Fact]
    public void TheInExecveBitfieldIsReadAsLibbpfWould()
    {
        var member = KernelMember("task_struct", "in_execve")!.Value;
        var typeSize = Kernel.GetSize(member.TypeId);
        Assert.NotEqual(0, member.BitfieldSize);

        // The smallest naturally aligned load of at least the member type's size that covers every bit.
        var loadSize = typeSize;
        while (member.BitOffset + member.BitfieldSize > (member.BitOffset / 8 / loadSize * loadSize * 8) + (loadSize * 8))
        {
            loadSize *= 2;
        }

        var loadOffset = member.BitOffset / 8 / loadSize * loadSize;
        Assert.All(For(Kind.FIELD_BYTE_OFFSET, "task_struct.in_execve ("), r => Assert.Equal(loadOffset, r.TargetValue));
        Assert.All(For(Kind.FIELD_BYTE_SIZE, "task_struct.in_execve ("), r => Assert.Equal(loadSize, r.TargetValue));
        Assert.All(For(Kind.FIELD_LSHIFT_U64, "task_struct.in_execve ("), r => Assert.Equal(64 - (member.BitOffset + member.BitfieldSize - (loadOffset * 8)), r.TargetValue));
        Assert.All(For(Kind.FIELD_RSHIFT_U64, "task_struct.in_execve ("), r => Assert.Equal(64ul - member.BitfieldSize, r.TargetValue));
        Assert.NotEmpty(For(Kind.FIELD_RSHIFT_U64, "task_struct.in_execve ("));
    }

    [Fact]
    public void TheFlavoredTaskStructsStateFieldIsPoisonedWhereTheKernelRenamedIt()
    {
        var results = Applied.Value.AllResults.Where(r => r.LocalTypeName == "task_struct___pre_5_14").ToList();
        var hasState = KernelMember("task_struct", "state") is not null;

        Assert.Equal(2, results.Count); // one per program
        Assert.All(results, r =>
        {
            Assert.Equal(Kind.FIELD_BYTE_OFFSET, r.Kind);
            Assert.Equal(!hasState, r.Poisoned);
        });

        foreach (var r in results.Where(r => r.Poisoned))
        {
            var insns = Applied.Value.Sections[r.Section].Patched;
            Assert.Equal(new BpfInstruction(BpfInstruction.Call, 0, 0, 0, 0xbad2310), insns[r.InstructionIndex]);
        }
    }

    [Fact]
    public void TypeRelocationsAreTheKernels()
    {
        var taskStruct = KernelStruct("task_struct");

        Assert.All(For(Kind.TYPE_EXISTS, "struct task_struct"), r => Assert.Equal(1ul, r.TargetValue));
        Assert.All(For(Kind.TYPE_EXISTS, "struct managedbpf_missing"), r => Assert.Equal((0ul, false), (r.TargetValue, r.Poisoned)));
        Assert.All(For(Kind.TYPE_SIZE, "struct task_struct"), r => Assert.Equal(Kernel.GetSize(taskStruct), r.TargetValue));

        var target = Assert.Single(For(Kind.TYPE_ID_TARGET, "struct task_struct"));
        Assert.Equal(taskStruct, target.TargetValue);

        var local = Assert.Single(For(Kind.TYPE_ID_LOCAL, "struct event"));
        Assert.True(Applied.Value.LocalBtf.TryFindType("event", BtfKind.STRUCT, out var eventId));
        Assert.Equal(eventId, local.TargetValue);
    }

    [Fact]
    public void TheFlavoredLocalEnumResolvesToTheKernelsEnumValues()
    {
        Assert.True(Kernel.TryFindType("bpf_map_type", BtfKind.ENUM, out var mapType));
        var ringbuf = ((BtfEnum)Kernel.TypeById(mapType)).Values.Single(v => Kernel.GetString(v.NameOff) == "BPF_MAP_TYPE_RINGBUF");

        var values = For(Kind.ENUMVAL_VALUE, "::BPF_MAP_TYPE_RINGBUF___local").ToList();
        Assert.NotEmpty(values);
        Assert.All(values, r =>
        {
            Assert.Equal((ulong)ringbuf.Val, r.TargetValue);
            Assert.Equal("bpf_map_type___local", r.LocalTypeName);
            Assert.Equal("bpf_map_type", r.TargetTypeName);
        });
        Assert.All(For(Kind.ENUMVAL_EXISTS, "::BPF_MAP_TYPE_RINGBUF___local"), r => Assert.Equal(1ul, r.TargetValue));
        Assert.All(For(Kind.ENUMVAL_EXISTS, "::BPF_MAP_TYPE_MANAGEDBPF___local"), r => Assert.Equal(0ul, r.TargetValue));
    }

    [Fact]
    public void EveryPatchedInstructionHoldsItsTargetValueAndNothingElseChanged()
    {
        foreach (var (section, (original, patched, results)) in Applied.Value.Sections)
        {
            var touched = new HashSet<int>();
            foreach (var r in results)
            {
                var insn = patched[r.InstructionIndex];
                touched.Add(r.InstructionIndex);
                if (r.Poisoned)
                {
                    continue;
                }

                if (insn.IsLoadImm64)
                {
                    touched.Add(r.InstructionIndex + 1);
                    Assert.Equal(r.TargetValue, (uint)insn.Immediate | ((ulong)(uint)patched[r.InstructionIndex + 1].Immediate << 32));
                }
                else if ((insn.Opcode & 0x07) is 0x04 or 0x07)
                {
                    Assert.Equal((int)r.TargetValue, insn.Immediate);
                }
                else
                {
                    Assert.Equal((short)r.TargetValue, insn.Offset);
                }
            }

            for (var i = 0; i < original.Length; i++)
            {
                if (!touched.Contains(i))
                {
                    Assert.True(original[i] == patched[i], $"{section} insn #{i} changed without a relocation");
                }
            }
        }
    }
}
