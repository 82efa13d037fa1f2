using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader.Core;

/// <summary>A target type a local type may correspond to, libbpf's <c>struct bpf_core_cand</c>.</summary>
/// <param name="Btf">The BTF holding it: vmlinux or a module's split BTF.</param>
/// <param name="TypeId">Its id in <paramref name="Btf"/>.</param>
internal readonly record struct CoreCandidate(BtfSpec Btf, uint TypeId);
