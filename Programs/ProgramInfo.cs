using ManagedBpf.Kernel;

namespace ManagedBpf.Programs;

/// <summary>What the kernel reports about a loaded program (BPF_OBJ_GET_INFO_BY_FD, <c>struct bpf_prog_info</c>).</summary>
/// <param name="Type">The program type.</param>
/// <param name="Id">The kernel's id for the program.</param>
/// <param name="Tag">The kernel's tag: the first 8 bytes of the SHA-1 of the instructions with map descriptors blanked, as hex (what bpftool prints).</param>
/// <param name="Name">The name the kernel kept.</param>
/// <param name="JitedSize">Bytes of JIT-compiled code.</param>
/// <param name="TranslatedSize">Bytes of instructions after the verifier's rewrites.</param>
/// <param name="MapIds">The ids of the maps the program uses.</param>
public sealed record ProgramInfo(BpfProgType Type, uint Id, string Tag, string Name, uint JitedSize, uint TranslatedSize, IReadOnlyList<uint> MapIds);
