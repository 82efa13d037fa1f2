namespace ManagedBpf.Loader.Elf;

/// <summary>One relocation (<c>Elf64_Rel</c> or <c>Elf64_Rela</c>).</summary>
public readonly struct ElfRelocation
{
    /// <summary>Creates a relocation.</summary>
    /// <param name="offset"><c>r_offset</c>.</param>
    /// <param name="symbolIndex">The symbol index (<c>ELF64_R_SYM(r_info)</c>).</param>
    /// <param name="type">The relocation type (<c>ELF64_R_TYPE(r_info)</c>).</param>
    /// <param name="addend"><c>r_addend</c>, 0 for <c>SHT_REL</c>.</param>
    public ElfRelocation(ulong offset, uint symbolIndex, uint type, long addend)
    {
        Offset = offset;
        SymbolIndex = symbolIndex;
        Type = type;
        Addend = addend;
    }

    /// <summary><c>r_offset</c>: the byte offset in the target section (<c>sh_info</c> of the relocation section) to patch.</summary>
    public ulong Offset { get; }

    /// <summary>The index in the linked symbol table, <c>ELF64_R_SYM(r_info)</c>.</summary>
    public uint SymbolIndex { get; }

    /// <summary>The machine-specific type, <c>ELF64_R_TYPE(r_info)</c> (for BPF: <c>R_BPF_64_64</c> = 1, <c>R_BPF_64_ABS64</c> = 2, <c>R_BPF_64_ABS32</c> = 3, <c>R_BPF_64_NODYLD32</c> = 4, <c>R_BPF_64_32</c> = 10).</summary>
    public uint Type { get; }

    /// <summary><c>r_addend</c> for <c>SHT_RELA</c>; 0 for <c>SHT_REL</c>, whose addend is in the patched bytes.</summary>
    public long Addend { get; }

    /// <inheritdoc/>
    public override string ToString() => $"0x{Offset:x} sym={SymbolIndex} type={Type} addend={Addend}";
}
