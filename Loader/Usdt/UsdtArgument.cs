namespace ManagedBpf.Loader.Usdt;

/// <summary>
/// One parsed USDT argument (libbpf's <c>struct usdt_arg_spec</c> before it is laid out): where the value is, how
/// wide it is and whether it is signed. <c>bpf_usdt_arg()</c> reads 8 bytes, shifts left by <see cref="BitShift"/>
/// and back (arithmetically when <see cref="Signed"/>), which leaves the low <see cref="Size"/> bytes, extended.
/// </summary>
/// <param name="Text">The argument as the note spells it, such as <c>-4@-20(%rbp)</c>.</param>
/// <param name="Kind">Where the value lives.</param>
/// <param name="Size">The width in bytes: 1, 2, 4 or 8.</param>
/// <param name="Signed">True when the note gives a negative size.</param>
/// <param name="ValueOffset"><c>val_off</c>: the constant for <see cref="UsdtArgumentKind.Constant"/>, the memory offset for the dereferencing kinds, else 0.</param>
/// <param name="Register">The (base) register's name as written, without <c>%</c>, or null for a constant.</param>
/// <param name="RegisterOffset"><c>reg_off</c>: <c>offsetof(struct pt_regs, register)</c>, 0 for a constant.</param>
/// <param name="IndexRegister">For <see cref="UsdtArgumentKind.ScaleIndexBase"/>: the index register, else null.</param>
/// <param name="IndexRegisterOffset"><c>idx_reg_off</c>: <c>offsetof(struct pt_regs, index)</c>, else 0.</param>
/// <param name="Scale">For <see cref="UsdtArgumentKind.ScaleIndexBase"/>: 1, 2, 4 or 8; else 1.</param>
public sealed record UsdtArgument(
    string Text,
    UsdtArgumentKind Kind,
    int Size,
    bool Signed,
    long ValueOffset,
    string? Register,
    short RegisterOffset,
    string? IndexRegister = null,
    short IndexRegisterOffset = 0,
    int Scale = 1)
{
    /// <summary><c>arg_bitshift</c>: 64 - 8 × <see cref="Size"/>, the bits <c>bpf_usdt_arg()</c> clears (or sign-extends) above the value.</summary>
    public int BitShift => 64 - (8 * Size);

    /// <summary><c>scale_bitshift</c>: log2 of <see cref="Scale"/>.</summary>
    public int ScaleBitShift => System.Numerics.BitOperations.Log2((uint)Scale);

    /// <inheritdoc/>
    public override string ToString() => Text;
}
