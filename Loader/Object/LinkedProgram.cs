using ManagedBpf.Programs;

namespace ManagedBpf.Loader;

/// <summary>
/// A program with its sub-programs appended and calls fixed, as libbpf's bpf_object__relocate leaves it
/// before map descriptors exist: the references that need kernel objects are listed, by final index.
/// </summary>
/// <param name="Instructions">The final instructions.</param>
/// <param name="References">Map, data, kconfig and ksym references, by final instruction index.</param>
/// <param name="FuncInfo">Kernel <c>struct bpf_func_info</c> records (8 bytes each).</param>
/// <param name="LineInfo">Kernel <c>struct bpf_line_info</c> records (16 bytes each).</param>
internal sealed record LinkedProgram(BpfInstruction[] Instructions, IReadOnlyList<(int Index, CodeRelocation Relocation)> References, byte[] FuncInfo, byte[] LineInfo);
