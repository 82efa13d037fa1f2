namespace ManagedBpf.Loader.Usdt;

/// <summary>
/// The x86_64 kernel's <c>struct pt_regs</c> (arch/x86/include/asm/ptrace.h; uapi's <c>asm/ptrace.h</c> spells the
/// same slots <c>rax</c>, <c>rip</c>…): the byte offset of each general-purpose register, under every name an
/// assembler gives its 64-, 32-, 16- and 8-bit parts. These are the names libbpf's <c>calc_pt_regs_off</c> knows;
/// <c>%rip</c> and <c>%eip</c> have no 16- or 8-bit part. A narrower name reads the same 8-byte slot: the argument's
/// size, not the register's, decides the width.
/// </summary>
public static class X86PtRegs
{
    /// <summary>The kernel's own name of each slot with its offset, in <c>struct pt_regs</c> order (what its BTF says).</summary>
    public static IReadOnlyList<(string Field, short Offset)> Fields { get; } =
    [
        ("r15", 0), ("r14", 8), ("r13", 16), ("r12", 24), ("bp", 32), ("bx", 40), ("r11", 48), ("r10", 56),
        ("r9", 64), ("r8", 72), ("ax", 80), ("cx", 88), ("dx", 96), ("si", 104), ("di", 112), ("orig_ax", 120),
        ("ip", 128), ("cs", 136), ("flags", 144), ("sp", 152), ("ss", 160),
    ];

    // Built from Fields, so declared after it (static initialisers run in order).
    private static readonly Dictionary<string, short> Offsets = Build();

    /// <summary>Every register name an argument may use, with the <c>pt_regs</c> field it reads.</summary>
    public static IReadOnlyDictionary<string, short> RegisterOffsets => Offsets;

    /// <summary>The offset of <paramref name="register"/> (without <c>%</c>) in <c>struct pt_regs</c>.</summary>
    /// <param name="register">A name such as <c>rax</c>, <c>esi</c>, <c>r8d</c> or <c>dil</c>.</param>
    /// <param name="offset">The offset, when the name is known.</param>
    /// <returns>False for a name libbpf does not know (segment, vector or floating-point registers among them).</returns>
    public static bool TryGetOffset(string register, out short offset) => Offsets.TryGetValue(register, out offset);

    private static Dictionary<string, short> Build()
    {
        var offsets = new Dictionary<string, short>(StringComparer.Ordinal);
        void Add(string field, params string[] names)
        {
            var offset = FieldOffset(field);
            foreach (var name in names)
                offsets.Add(name, offset);
        }

        Add("ip", "rip", "eip");
        Add("ax", "rax", "eax", "ax", "al");
        Add("bx", "rbx", "ebx", "bx", "bl");
        Add("cx", "rcx", "ecx", "cx", "cl");
        Add("dx", "rdx", "edx", "dx", "dl");
        Add("si", "rsi", "esi", "si", "sil");
        Add("di", "rdi", "edi", "di", "dil");
        Add("bp", "rbp", "ebp", "bp", "bpl");
        Add("sp", "rsp", "esp", "sp", "spl");
        for (var n = 8; n <= 15; n++)
            Add($"r{n}", $"r{n}", $"r{n}d", $"r{n}w", $"r{n}b");
        return offsets;
    }

    private static short FieldOffset(string field)
    {
        foreach (var (name, offset) in Fields)
        {
            if (name == field)
                return offset;
        }

        throw new InvalidOperationException($"pt_regs has no field '{field}'.");
    }
}
