namespace ManagedBpf.Loader.Usdt;

/// <summary>Where a member of <c>struct __bpf_usdt_spec</c> or <c>struct __bpf_usdt_arg_spec</c> lies: bit offset and width (bitfields included).</summary>
/// <param name="BitOffset">Offset from the start of its struct, in bits (a BTF member's <c>offset</c>).</param>
/// <param name="BitSize">Width in bits, 1 to 64: the bitfield size, or 8 × the member type's size.</param>
public readonly record struct UsdtSpecField(uint BitOffset, uint BitSize)
{
    /// <summary>Writes <paramref name="value"/> into the field (little-endian bit order, as x86_64 and BPF lay bitfields out).</summary>
    /// <param name="destination">The struct's bytes.</param>
    /// <param name="baseBit">Where the struct starts in <paramref name="destination"/>, in bits.</param>
    /// <param name="value">The value; its bits above <see cref="BitSize"/> must be all zeros or, for a negative value, all ones.</param>
    /// <param name="what">The member, for the message.</param>
    /// <exception cref="ArgumentOutOfRangeException">The value does not fit in the field.</exception>
    internal void Write(Span<byte> destination, ulong baseBit, long value, string what)
    {
        if (BitSize < 64 && (value >> (int)BitSize) is not (0 or -1))
            throw new ArgumentOutOfRangeException(nameof(value), value, $"{what} does not fit in its {BitSize}-bit field of the object's usdt.bpf.h layout.");
        for (var bit = 0u; bit < BitSize; bit++)
        {
            var at = baseBit + BitOffset + bit;
            var mask = (byte)(1 << (int)(at % 8));
            if ((((ulong)value >> (int)bit) & 1) != 0)
                destination[(int)(at / 8)] |= mask;
            else
                destination[(int)(at / 8)] &= (byte)~mask;
        }
    }
}
