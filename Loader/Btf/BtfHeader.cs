namespace ManagedBpf.Loader.Btf;

/// <summary>The validated <c>struct btf_header</c>. Offsets are relative to the end of the header (<see cref="HdrLen"/>).</summary>
public readonly struct BtfHeader
{
    /// <summary><c>BTF_MAGIC</c>, 0xeB9F, as read little-endian.</summary>
    public const ushort Magic = 0xeB9F;

    /// <summary><c>BTF_VERSION</c>, the only version there is.</summary>
    public const byte CurrentVersion = 1;

    /// <summary>The size of the header this reader knows (and the writer emits).</summary>
    public const int Size = 24;

    internal BtfHeader(byte version, byte flags, uint hdrLen, uint typeOff, uint typeLen, uint strOff, uint strLen)
    {
        Version = version;
        Flags = flags;
        HdrLen = hdrLen;
        TypeOff = typeOff;
        TypeLen = typeLen;
        StrOff = strOff;
        StrLen = strLen;
    }

    /// <summary><c>version</c>, always <see cref="CurrentVersion"/>.</summary>
    public byte Version { get; }

    /// <summary><c>flags</c>, currently unused by the kernel.</summary>
    public byte Flags { get; }

    /// <summary><c>hdr_len</c>: at least <see cref="Size"/>; longer headers are accepted and their tail ignored.</summary>
    public uint HdrLen { get; }

    /// <summary><c>type_off</c>: offset of the type section.</summary>
    public uint TypeOff { get; }

    /// <summary><c>type_len</c>: length of the type section.</summary>
    public uint TypeLen { get; }

    /// <summary><c>str_off</c>: offset of the string section.</summary>
    public uint StrOff { get; }

    /// <summary><c>str_len</c>: length of the string section.</summary>
    public uint StrLen { get; }
}
