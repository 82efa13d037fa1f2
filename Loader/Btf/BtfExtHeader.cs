namespace ManagedBpf.Loader.Btf;

/// <summary>The validated <c>struct btf_ext_header</c>. Offsets are relative to the end of the header (<see cref="HdrLen"/>).</summary>
public readonly struct BtfExtHeader
{
    /// <summary>The header size up to <c>line_info_len</c>, the shortest with any data.</summary>
    public const int MinSize = 24;

    /// <summary>The header size including the optional <c>core_relo_off</c>/<c>core_relo_len</c>.</summary>
    public const int SizeWithCoreRelo = 32;

    internal BtfExtHeader(byte version, byte flags, uint hdrLen, uint funcInfoOff, uint funcInfoLen, uint lineInfoOff, uint lineInfoLen, uint coreReloOff, uint coreReloLen)
    {
        Version = version;
        Flags = flags;
        HdrLen = hdrLen;
        FuncInfoOff = funcInfoOff;
        FuncInfoLen = funcInfoLen;
        LineInfoOff = lineInfoOff;
        LineInfoLen = lineInfoLen;
        CoreReloOff = coreReloOff;
        CoreReloLen = coreReloLen;
    }

    /// <summary><c>version</c>.</summary>
    public byte Version { get; }

    /// <summary><c>flags</c>.</summary>
    public byte Flags { get; }

    /// <summary><c>hdr_len</c>.</summary>
    public uint HdrLen { get; }

    /// <summary><c>func_info_off</c>.</summary>
    public uint FuncInfoOff { get; }

    /// <summary><c>func_info_len</c>.</summary>
    public uint FuncInfoLen { get; }

    /// <summary><c>line_info_off</c>.</summary>
    public uint LineInfoOff { get; }

    /// <summary><c>line_info_len</c>.</summary>
    public uint LineInfoLen { get; }

    /// <summary><c>core_relo_off</c>, 0 when the header is too short to have it.</summary>
    public uint CoreReloOff { get; }

    /// <summary><c>core_relo_len</c>, 0 when the header is too short to have it.</summary>
    public uint CoreReloLen { get; }
}
