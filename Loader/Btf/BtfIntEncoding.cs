namespace ManagedBpf.Loader.Btf;

/// <summary>An integer's encoding bits, <c>BTF_INT_ENCODING</c>. Members are the <c>BTF_INT_*</c> constants without their prefix.</summary>
[Flags]
public enum BtfIntEncoding : byte
{
    /// <summary>Unsigned, not a character, not a boolean.</summary>
    None = 0,

    /// <summary><c>BTF_INT_SIGNED</c>.</summary>
    SIGNED = 1,

    /// <summary><c>BTF_INT_CHAR</c>: used for pretty-printing only.</summary>
    CHAR = 2,

    /// <summary><c>BTF_INT_BOOL</c>.</summary>
    BOOL = 4,
}
