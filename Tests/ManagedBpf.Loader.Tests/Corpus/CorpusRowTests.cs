using ManagedBpf.TestSupport;
using ManagedBpf.Kernel;

namespace ManagedBpf.Loader.Tests.Corpus;

/// <summary>The verdicts of the corpus conformance table, without a kernel: each way ManagedBpf can differ from libbpf is a mismatch.</summary>
public sealed class CorpusRowTests
{
    private static readonly CorpusSource Source = new("bcc-libbpf-tools", "example.bpf.c", "example.bpf.o", null);

    private static LibbpfOutcome LibbpfLoads(params (string Name, string Tag)[] tags) => new(tags.ToDictionary(t => t.Name, t => t.Tag), null, "");

    private static LibbpfOutcome LibbpfRefuses(string log) => new(null, LibbpfLoadall.Reason(log), log);

    private static ManagedBpfOutcome ManagedLoads(params (string Name, string Tag)[] tags) => new(tags.ToDictionary(t => t.Name, t => t.Tag), null);

    private static ManagedBpfOutcome ManagedRefuses(Exception e) => new(null, e);

    private const string StackmapLog = """
        libbpf: map 'cgroup_map': created successfully, fd=5
        libbpf: Error in bpf_create_map_xattr(stackmap):Invalid argument(-22). Retrying without BTF.
        libbpf: map 'stackmap': failed to create: Invalid argument(-22)
        libbpf: failed to load object 'example.bpf.o'
        Error: failed to load object file
        """;

    [Fact]
    public void Identical_tags_are_identical()
    {
        var row = CorpusRow.Compare(Source, LibbpfLoads(("block_rq_insert", "5bf9"), ("block_rq_insert_btf", "5bf9")), ManagedLoads(("block_rq_insert", "5bf9"), ("block_rq_insert_btf", "5bf9")));
        Assert.Equal("identical", row.Verdict);
        Assert.Null(row.Mismatch);
    }

    [Fact]
    public void A_differing_tag_is_a_mismatch_naming_the_program()
    {
        var row = CorpusRow.Compare(Source, LibbpfLoads(("a", "1111"), ("b", "2222")), ManagedLoads(("a", "1111"), ("b", "3333")));
        Assert.Contains("tags differ: b (libbpf 2222, ManagedBpf 3333)", row.Mismatch);
    }

    [Fact]
    public void A_missing_program_is_a_mismatch()
    {
        var row = CorpusRow.Compare(Source, LibbpfLoads(("a", "1111"), ("b", "2222")), ManagedLoads(("a", "1111")));
        Assert.Contains("programs differ", row.Mismatch);
    }

    [Fact]
    public void Refusing_what_libbpf_loads_is_a_mismatch()
    {
        var row = CorpusRow.Compare(Source, LibbpfLoads(("a", "1111")), ManagedRefuses(new BpfSyscallException("BPF_MAP_CREATE", Errno.ENOTSUPP, subject: "map 'cgroup_map' (CGROUP_ARRAY)")));
        Assert.Contains("libbpf loads it, ManagedBpf refuses: BpfSyscallException: BPF_MAP_CREATE (map 'cgroup_map' (CGROUP_ARRAY))", row.Mismatch);
    }

    [Fact]
    public void Loading_what_libbpf_refuses_is_a_mismatch_unless_listed()
    {
        var row = CorpusRow.Compare(Source, LibbpfRefuses(StackmapLog), ManagedLoads(("a", "1111")));
        Assert.Contains("libbpf refuses it, ManagedBpf loads it", row.Mismatch);
    }

    [Fact]
    public void The_same_refusal_is_refused_by_both()
    {
        var row = CorpusRow.Compare(Source, LibbpfRefuses(StackmapLog), ManagedRefuses(new BpfSyscallException("BPF_MAP_CREATE", Errno.EINVAL, subject: "map 'stackmap' (STACK_TRACE)")));
        Assert.Equal("refused by both", row.Verdict);
        Assert.Null(row.Mismatch);
    }

    [Fact]
    public void A_refusal_at_another_map_is_a_mismatch()
    {
        var row = CorpusRow.Compare(Source, LibbpfRefuses(StackmapLog), ManagedRefuses(new BpfSyscallException("BPF_MAP_CREATE", Errno.ENOTSUPP, subject: "map 'cgroup_map' (CGROUP_ARRAY)")));
        Assert.Contains("both refuse, for different reasons: libbpf stops at 'stackmap'", row.Mismatch);
    }

    [Fact]
    public void A_refusal_load_does_not_document_is_a_mismatch()
    {
        var row = CorpusRow.Compare(Source, LibbpfRefuses(StackmapLog), ManagedRefuses(new ArgumentException("map 'stackmap': An item with the same key has already been added.")));
        Assert.Contains("does not document", row.Mismatch);
    }

    [Fact]
    public void The_reason_is_the_final_failure_not_the_retry()
    {
        Assert.Equal("map 'stackmap': failed to create: Invalid argument(-22)", LibbpfLoadall.Reason(StackmapLog));
        Assert.Equal("stackmap", LibbpfLoadall.Subject(LibbpfLoadall.Reason(StackmapLog)));
    }

    [Fact]
    public void The_reason_of_a_verifier_refusal_is_the_verifiers_complaint()
    {
        const string log = """
            libbpf: prog 'tcp_probe': BPF program load failed: Invalid argument
            libbpf: prog 'tcp_probe': -- BEGIN PROG LOAD LOG --
            72: (85) call bpf_get_socket_cookie#46
            program of this type cannot use helper bpf_get_socket_cookie#46
            processed 46 insns (limit 1000000) max_states_per_insn 0 total_states 4 peak_states 4 mark_read 0
            -- END PROG LOAD LOG --
            libbpf: prog 'tcp_probe': failed to load: -22
            """;
        Assert.Equal("prog 'tcp_probe': BPF program load failed: Invalid argument: program of this type cannot use helper bpf_get_socket_cookie#46", LibbpfLoadall.Reason(log));
        Assert.Equal("tcp_probe", LibbpfLoadall.Subject(LibbpfLoadall.Reason(log)));
    }
}
