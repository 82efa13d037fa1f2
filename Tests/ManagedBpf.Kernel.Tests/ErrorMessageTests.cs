namespace ManagedBpf.Kernel.Tests;

public sealed class ErrorMessageTests
{
    [Fact]
    public void Message_names_call_subject_errno_and_hint()
    {
        var e = new BpfSyscallException("BPF_MAP_CREATE", Errno.EINVAL, BpfCommand.MAP_CREATE, "map 'events' (RINGBUF)", "Do X.");
        Assert.Equal("BPF_MAP_CREATE (map 'events' (RINGBUF)) failed: EINVAL (22): Invalid argument. Do X.", e.Message);
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Equal(BpfCommand.MAP_CREATE, e.Command);
    }

    [Fact]
    public void Kernel_internal_enotsupp_is_named()
    {
        var e = new BpfSyscallException("BPF_PROG_LOAD", Errno.ENOTSUPP);
        Assert.Contains("ENOTSUPP (524): Operation is not supported", e.Message);
        Assert.Contains("(1234)", new BpfSyscallException("x", (Errno)1234).Message);
    }

    [Fact]
    public void Eperm_names_the_capabilities()
    {
        var hint = BpfErrorHints.ForMapCreate(Errno.EPERM, BpfMapType.HASH, 4, 4, 1);
        Assert.Contains("CAP_BPF", hint);
        Assert.Contains("root", hint);
        Assert.Contains("CAP_PERFMON", BpfErrorHints.ForCommand(BpfCommand.PROG_LOAD, Errno.EPERM));
        Assert.Contains("CAP_PERFMON", BpfErrorHints.Privileges(null));
    }

    [Theory]
    [InlineData(1000u)]
    [InlineData(0u)]
    [InlineData(3u * 4096)]
    public void Ring_buffer_einval_states_the_size_rule(uint size)
    {
        var hint = BpfErrorHints.ForMapCreate(Errno.EINVAL, BpfMapType.RINGBUF, 0, 0, size);
        Assert.Equal($"A ring buffer's max_entries is its data size in bytes and must be a power of two and a multiple of the page size ({Environment.SystemPageSize}); got {size}.", hint);
    }

    [Fact]
    public void Enotsupp_on_map_create_names_btf_types_when_they_were_passed()
    {
        // CGROUP_ARRAY with __type(key, u32): the kernel answers 524; the flags were never the cause.
        Assert.Contains("BTF key/value types", BpfErrorHints.ForMapCreate(Errno.ENOTSUPP, BpfMapType.CGROUP_ARRAY, 4, 4, 1, btfKeyValue: true));
        Assert.DoesNotContain("BTF", BpfErrorHints.ForMapCreate(Errno.ENOTSUPP, BpfMapType.CGROUP_ARRAY, 4, 4, 1));
    }

    [Fact]
    public void Valid_ring_sizes_have_no_rule_to_state()
    {
        Assert.Null(BpfErrorHints.RingBufferSizeRule((ulong)Environment.SystemPageSize));
        Assert.Null(BpfErrorHints.RingBufferSizeRule(1UL << 24));
        Assert.Contains("key_size 0 and value_size 0", BpfErrorHints.MapRule(BpfMapType.RINGBUF, 4, 0, 4096));
    }

    [Theory]
    [InlineData(BpfMapType.ARRAY, 8u, 4u, "4-byte key")]
    [InlineData(BpfMapType.PERF_EVENT_ARRAY, 4u, 8u, "4-byte keys and values")]
    [InlineData(BpfMapType.QUEUE, 4u, 4u, "key_size 0")]
    [InlineData(BpfMapType.LPM_TRIE, 8u, 4u, "BPF_F_NO_PREALLOC")]
    public void Map_rules_are_stated_per_type(BpfMapType type, uint key, uint value, string rule) =>
        Assert.Contains(rule, BpfErrorHints.ForMapCreate(Errno.EINVAL, type, key, value, 1));

    [Theory]
    [InlineData(BpfCommand.MAP_UPDATE_ELEM, Errno.E2BIG, 0ul, "map is full")]
    [InlineData(BpfCommand.MAP_UPDATE_ELEM, Errno.EEXIST, 1ul, "BPF_NOEXIST")]
    [InlineData(BpfCommand.MAP_UPDATE_ELEM, Errno.ENOENT, 2ul, "BPF_EXIST")]
    [InlineData(BpfCommand.MAP_LOOKUP_ELEM, Errno.ENOENT, 0ul, "No such key")]
    public void Element_errors_explain_themselves(BpfCommand command, Errno errno, ulong flags, string text) =>
        Assert.Contains(text, BpfErrorHints.ForElement(command, errno, flags));

    [Theory]
    [InlineData(BpfCommand.OBJ_GET, Errno.ENOENT, "Nothing is pinned")]
    [InlineData(BpfCommand.OBJ_PIN, Errno.EEXIST, "already pinned")]
    [InlineData(BpfCommand.OBJ_PIN, Errno.EPERM, "CAP_BPF")]
    [InlineData(BpfCommand.PROG_LOAD, Errno.ENOSPC, "verifier log")]
    [InlineData(BpfCommand.MAP_GET_FD_BY_ID, Errno.ENOENT, "No object has that id")]
    public void Command_errors_explain_themselves(BpfCommand command, Errno errno, string text) =>
        Assert.Contains(text, BpfErrorHints.ForCommand(command, errno));
}
