namespace ManagedBpf.Loader.Elf;

/// <summary>One program header (<c>Elf64_Phdr</c>): a segment of an executable or shared library.</summary>
public readonly struct ElfProgramHeader
{
    internal ElfProgramHeader(ElfSegmentType type, ElfSegmentFlags flags, ulong offset, ulong vaddr, ulong paddr, ulong fileSize, ulong memSize, ulong align)
    {
        Type = type;
        Flags = flags;
        Offset = offset;
        VAddr = vaddr;
        PAddr = paddr;
        FileSize = fileSize;
        MemSize = memSize;
        Align = align;
    }

    /// <summary><c>p_type</c>.</summary>
    public ElfSegmentType Type { get; }

    /// <summary><c>p_flags</c>.</summary>
    public ElfSegmentFlags Flags { get; }

    /// <summary><c>p_offset</c>: file offset of the segment's first byte.</summary>
    public ulong Offset { get; }

    /// <summary><c>p_vaddr</c>: virtual address of the segment's first byte.</summary>
    public ulong VAddr { get; }

    /// <summary><c>p_paddr</c>: physical address (unused on Linux).</summary>
    public ulong PAddr { get; }

    /// <summary><c>p_filesz</c>: bytes in the file.</summary>
    public ulong FileSize { get; }

    /// <summary><c>p_memsz</c>: bytes in memory (at least <see cref="FileSize"/>).</summary>
    public ulong MemSize { get; }

    /// <summary><c>p_align</c>.</summary>
    public ulong Align { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Type} {Flags} offset=0x{Offset:x} vaddr=0x{VAddr:x} filesz=0x{FileSize:x} memsz=0x{MemSize:x}";
}
