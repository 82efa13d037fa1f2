namespace ManagedBpf.Loader;

/// <summary>What an instruction of a code section refers to, resolved when the object is loaded.</summary>
internal enum CodeRelocationKind
{
    /// <summary><c>r = map</c>: ld_imm64 of a map (BPF_PSEUDO_MAP_FD).</summary>
    Map,

    /// <summary><c>r = &amp;global</c>: ld_imm64 of an address in a data map (BPF_PSEUDO_MAP_VALUE).</summary>
    Data,

    /// <summary>A call of a sub-program in <c>.text</c> (BPF_PSEUDO_CALL).</summary>
    Call,

    /// <summary>The address of a sub-program, for a callback (BPF_PSEUDO_FUNC).</summary>
    SubprogramAddress,

    /// <summary>A <c>__kconfig</c> extern: an address in the kconfig map.</summary>
    Kconfig,

    /// <summary>A <c>__ksym</c> extern: a kernel variable or function by BTF id.</summary>
    Ksym,
}

/// <summary>One relocation of a code section, by instruction index within the section.</summary>
/// <param name="Instruction">Index of the instruction in its section.</param>
/// <param name="Kind">What it refers to.</param>
/// <param name="Target">The map name, data section name, or extern symbol name.</param>
/// <param name="SymbolOffset">The symbol's value in bytes (sub-program offset in .text, variable offset in its section).</param>
internal readonly record struct CodeRelocation(int Instruction, CodeRelocationKind Kind, string Target, ulong SymbolOffset);
