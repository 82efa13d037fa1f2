namespace ManagedBpf.Loader.Elf;

/// <summary>The target architecture, <c>e_machine</c>. Members are the ELF constants without their <c>EM_</c> prefix; other values are kept as read.</summary>
public enum ElfMachine : ushort
{
    /// <summary><c>EM_NONE</c>: no machine.</summary>
    NONE = 0,

    /// <summary><c>EM_386</c>: Intel 80386.</summary>
    I386 = 3,

    /// <summary><c>EM_ARM</c>: 32-bit Arm.</summary>
    ARM = 40,

    /// <summary><c>EM_PPC64</c>: 64-bit PowerPC.</summary>
    PPC64 = 21,

    /// <summary><c>EM_S390</c>: IBM S/390.</summary>
    S390 = 22,

    /// <summary><c>EM_X86_64</c>: AMD x86-64.</summary>
    X86_64 = 62,

    /// <summary><c>EM_AARCH64</c>: 64-bit Arm.</summary>
    AARCH64 = 183,

    /// <summary><c>EM_RISCV</c>: RISC-V.</summary>
    RISCV = 243,

    /// <summary><c>EM_BPF</c>: Linux BPF, what clang writes for <c>-target bpf</c>.</summary>
    BPF = 247,

    /// <summary><c>EM_LOONGARCH</c>: LoongArch.</summary>
    LOONGARCH = 258,
}
